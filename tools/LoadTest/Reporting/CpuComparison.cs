using System.Globalization;
using System.Text.Json;
using ScottPlot;

namespace Flipkart.LoadTest.Reporting;

/// <summary>One process's CPU per confirmed order in two flash-sale runs (ms), and after / before.</summary>
public sealed record CpuComparisonRow(string Process, double? Before, double? After)
{
    public double? Ratio => Before is > 0 && After is { } after ? Math.Round(after / Before.Value, 2) : null;
}

/// <summary>
/// <c>compare &lt;before.json&gt; &lt;after.json&gt; [--out chart.png]</c>: the CPU per confirmed order of two flash-sale
/// results side by side, by process and in total, as a table and a grouped bar chart.
/// </summary>
public static class CpuComparison
{
    public const string Total = "all processes";

    public static IReadOnlyList<CpuComparisonRow> Compare(JsonElement before, JsonElement after)
    {
        var (b, a) = (PerProcess(before), PerProcess(after));
        var names = b.Keys.Concat(a.Keys).Distinct().Where(n => n != Total)
            .OrderByDescending(n => b.GetValueOrDefault(n) ?? a.GetValueOrDefault(n) ?? 0).ToList();
        return [.. names.Prepend(Total).Select(n => new CpuComparisonRow(n, b.GetValueOrDefault(n), a.GetValueOrDefault(n)))];
    }

    /// <summary>Prints the table and writes the chart; returns an exit code.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output)
    {
        var files = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
        var outIndex = args.ToList().IndexOf("--out");
        if (files.Count != 2 + (outIndex >= 0 ? 1 : 0))
        {
            output.WriteLine("usage: compare <before.json> <after.json> [--out chart.png]");
            return ExitCodes.Usage;
        }
        var chart = outIndex >= 0 && outIndex + 1 < args.Count ? args[outIndex + 1] : Path.ChangeExtension(files[1], ".compare.png");
        using var before = JsonDocument.Parse(File.ReadAllText(files[0]));
        using var after = JsonDocument.Parse(File.ReadAllText(files[1]));
        var rows = Compare(before.RootElement, after.RootElement);
        output.WriteLine("| process | before (CPU-ms per confirmed order) | after | after / before |");
        output.WriteLine("|---|---:|---:|---:|");
        foreach (var row in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {row.Process} | {row.Before:0.0} | {row.After:0.0} | {row.Ratio:0.00} |"));
        }
        Render(rows, Path.GetFileNameWithoutExtension(files[0]), Path.GetFileNameWithoutExtension(files[1]), chart);
        output.WriteLine($"chart: {chart}");
        return ExitCodes.Passed;
    }

    public static void Render(IReadOnlyList<CpuComparisonRow> rows, string beforeName, string afterName, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        ChartRenderer.PairedBars(plot, [.. rows.Select(r => r.Process)],
            [.. rows.Select(r => r.Before)], palette.GetColor(0), [.. rows.Select(r => r.After)], palette.GetColor(2));
        plot.Axes.Left.Label.Text = "CPU ms per confirmed order";
        plot.Title($"CPU per confirmed order: {beforeName} (blue) {rows[0].Before:0} ms → {afterName} (green) {rows[0].After:0} ms");
        plot.Axes.Margins(bottom: 0);
        plot.SavePng(path, 1200, 650);
    }

    private static Dictionary<string, double?> PerProcess(JsonElement result)
    {
        var cpu = result.GetProperty("flashSale").GetProperty("saleCpu");
        var rows = cpu.GetProperty("processes").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => Number(p, "msPerUnit"));
        rows[Total] = Number(cpu, "totalMsPerUnit");
        return rows;
    }

    private static double? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}
