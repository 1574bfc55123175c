using System.Globalization;
using Flipkart.LoadTest.Metrics;
using Spectre.Console;

namespace Flipkart.LoadTest.Reporting;

/// <summary>
/// Progress while a phase runs: a live Spectre.Console table on a terminal, plain lines every few seconds when
/// the output is redirected (CI logs, files). Every phase ticks its timeline once a second either way.
/// </summary>
public sealed class ConsoleUi
{
    private readonly bool _live;
    private readonly object _gate = new();

    public ConsoleUi(bool forcePlain)
    {
        _live = !forcePlain && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        if (Console.IsOutputRedirected)
        {
            // Redirected output defaults to 80 columns, which would fold the summary tables.
            AnsiConsole.Profile.Width = 160;
        }
    }

    public bool IsLive => _live;

    public void Info(string message)
    {
        lock (_gate)
        {
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(message)}[/]");
        }
    }

    public void Line(string message)
    {
        lock (_gate)
        {
            AnsiConsole.WriteLine(message);
        }
    }

    public void Warn(string message)
    {
        lock (_gate)
        {
            AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(message)}[/]");
        }
    }

    /// <summary>Runs <paramref name="work"/> while showing the phase's progress; ticks <paramref name="stats"/> every second.</summary>
    /// <param name="describe">Extra progress text per tick (e.g. "confirmed 120/200").</param>
    public async Task<T> TrackAsync<T>(string title, LoadStats stats, TimeSpan? expected, Func<Task<T>> work, Func<string>? describe = null)
    {
        var task = work();
        var lastPlain = TimeSpan.Zero;
        if (_live)
        {
            var table = NewTable(title);
            await AnsiConsole.Live(table).AutoClear(false).StartAsync(async context =>
            {
                while (true)
                {
                    var done = await Task.WhenAny(task, Task.Delay(1000)).ConfigureAwait(false) == task;
                    var point = stats.Tick();
                    Fill(table, title, stats, point, expected, describe?.Invoke());
                    context.Refresh();
                    if (done)
                    {
                        return;
                    }
                }
            }).ConfigureAwait(false);
        }
        else
        {
            while (true)
            {
                var done = await Task.WhenAny(task, Task.Delay(1000)).ConfigureAwait(false) == task;
                var point = stats.Tick();
                if (done || stats.Elapsed - lastPlain >= TimeSpan.FromSeconds(3))
                {
                    lastPlain = stats.Elapsed;
                    Line(PlainLine(title, stats, point, expected, describe?.Invoke()));
                }
                if (done)
                {
                    break;
                }
            }
        }
        return await task.ConfigureAwait(false);
    }

    internal static string PlainLine(string title, LoadStats stats, TimelinePoint point, TimeSpan? expected, string? extra) =>
        string.Create(CultureInfo.InvariantCulture,
            $"[{title}] {stats.Elapsed.TotalSeconds,5:0.0}s{(expected is { } e ? $"/{e.TotalSeconds:0}s" : "")}  requests {stats.Requests(),8}  " +
            $"now {point.RequestsPerSecond,8:0} req/s  p50 {Ms(point.P50Ms)}  p99 {Ms(point.P99Ms)}  errors {stats.Errors}{(extra is null ? "" : "  " + extra)}");

    private static Table NewTable(string title) => new Table().Border(TableBorder.Rounded).Title(Markup.Escape(title))
        .AddColumn("elapsed").AddColumn("requests").AddColumn("req/s (last s)").AddColumn("p50").AddColumn("p99").AddColumn("errors").AddColumn("progress");

    private static void Fill(Table table, string title, LoadStats stats, TimelinePoint point, TimeSpan? expected, string? extra)
    {
        table.Rows.Clear();
        table.AddRow(
            string.Create(CultureInfo.InvariantCulture, $"{stats.Elapsed.TotalSeconds:0.0}s{(expected is { } e ? $" / {e.TotalSeconds:0}s" : "")}"),
            stats.Requests().ToString("N0", CultureInfo.InvariantCulture),
            point.RequestsPerSecond.ToString("N0", CultureInfo.InvariantCulture),
            Ms(point.P50Ms), Ms(point.P99Ms),
            stats.Errors.ToString("N0", CultureInfo.InvariantCulture),
            Markup.Escape(extra ?? ""));
    }

    private static string Ms(double? ms) => ms is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) + "ms" : "-";
}
