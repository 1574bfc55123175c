namespace Flipkart.DevHost.Output;

/// <summary>
/// Writes progress and every service's lines to the console, each prefixed with its app-id (coloured on a
/// terminal) and, unless <paramref name="rawLogs"/>, with the services' JSON log events rendered as one readable line.
/// </summary>
public sealed class ConsoleRunOutput(bool rawLogs = false) : IRunOutput
{
    private static readonly ConsoleColor[] Palette =
        [ConsoleColor.Cyan, ConsoleColor.Green, ConsoleColor.Yellow, ConsoleColor.Magenta, ConsoleColor.Blue, ConsoleColor.DarkCyan, ConsoleColor.DarkYellow, ConsoleColor.DarkGreen];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, ConsoleColor> _colours = new(StringComparer.Ordinal);
    private readonly bool _colour = !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null;
    private int _width = 12;

    public void Progress(string message)
    {
        lock (_gate)
        {
            Write("devhost".PadRight(_width), ConsoleColor.White);
            Console.Out.WriteLine($" | {message}");
        }
    }

    public void AppLog(string source, string line, bool isError)
    {
        var text = rawLogs ? line : LogLineFormatter.Render(line);
        lock (_gate)
        {
            _width = Math.Max(_width, source.Length);
            var appId = source.Split('#')[0];
            if (!_colours.TryGetValue(appId, out var colour))
            {
                colour = Palette[_colours.Count % Palette.Length];
                _colours[appId] = colour;
            }
            Write(source.PadRight(_width), colour);
            Console.Out.Write(" | ");
            if (isError && _colour)
            {
                Console.ForegroundColor = ConsoleColor.Red;
                Console.Out.WriteLine(text);
                Console.ResetColor();
            }
            else
            {
                Console.Out.WriteLine(text);
            }
        }
    }

    private void Write(string text, ConsoleColor colour)
    {
        if (!_colour)
        {
            Console.Out.Write(text);
            return;
        }
        Console.ForegroundColor = colour;
        Console.Out.Write(text);
        Console.ResetColor();
    }
}
