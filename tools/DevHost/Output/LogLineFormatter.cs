using System.Text.Json;

namespace Flipkart.DevHost.Output;

/// <summary>
/// Turns one Serilog compact-JSON event (what ServiceDefaults writes: <c>@t</c>, <c>@m</c>, <c>@l</c>, <c>@x</c>, <c>@tr</c>)
/// into <c>HH:mm:ss LVL message</c> for people watching a terminal. Anything else passes through untouched.
/// </summary>
public static class LogLineFormatter
{
    public static string Render(string line)
    {
        if (line.Length < 2 || line[0] != '{' || !line.Contains("\"@t\"", StringComparison.Ordinal))
        {
            return line;
        }

        try
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var time = root.TryGetProperty("@t", out var t) && t.TryGetDateTimeOffset(out var at) ? at.ToLocalTime().ToString("HH:mm:ss") : "--:--:--";
            var level = root.TryGetProperty("@l", out var l) ? Abbreviate(l.GetString()) : "INF";
            var message = root.TryGetProperty("@m", out var m) ? m.GetString() : root.TryGetProperty("@mt", out var mt) ? mt.GetString() : null;
            var exception = root.TryGetProperty("@x", out var x) ? x.GetString() : null;

            var text = $"{time} {level} {message}";
            return exception is null ? text : $"{text}{Environment.NewLine}{exception}";
        }
        catch (JsonException)
        {
            return line;
        }
    }

    private static string Abbreviate(string? level) => level switch
    {
        "Verbose" => "VRB",
        "Debug" => "DBG",
        "Warning" => "WRN",
        "Error" => "ERR",
        "Fatal" => "FTL",
        _ => "INF",
    };
}
