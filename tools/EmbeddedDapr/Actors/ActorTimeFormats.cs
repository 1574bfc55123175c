using System.Globalization;
using System.Text.RegularExpressions;

namespace Flipkart.EmbeddedDapr.Actors;

/// <summary>
/// A duration with calendar parts, as daprd's ISO 8601 parser yields it: years, months and days are applied
/// with calendar arithmetic, the rest as a fixed span. <see cref="Repetitions"/> is -1 when unlimited.
/// </summary>
public readonly record struct CalendarDuration(int Years, int Months, int Days, TimeSpan Time, int Repetitions)
{
    public bool IsZero => Years == 0 && Months == 0 && Days == 0 && Time == TimeSpan.Zero;

    public DateTimeOffset AddTo(DateTimeOffset start) => start.AddYears(Years).AddMonths(Months).AddDays(Days).Add(Time);
}

/// <summary>
/// daprd's time formats for actor timers and reminders: Go durations (<c>1h30m</c>, <c>0h0m5s0ms</c>), ISO 8601
/// durations (<c>PT10S</c>, <c>P1D</c>, <c>R5/PT10S</c> for periods) and RFC 3339 timestamps (due times, TTLs).
/// The rules follow dapr/kit's <c>time</c> package, including its leniency (integer-only ISO parts, unknown
/// letters ignored), so that what daprd accepts is accepted here and what it rejects is rejected.
/// </summary>
public static partial class ActorTimeFormats
{
    /// <summary>Parses an ISO 8601 duration, optionally prefixed with <c>R&lt;n&gt;/</c>.</summary>
    public static bool TryParseIso8601Duration(string value, out CalendarDuration result)
    {
        result = default;
        var repetitions = -1;
        int years = 0, months = 0, days = 0;
        var time = TimeSpan.Zero;
        var length = value.Length;
        if (length < 2)
        {
            return false;
        }

        var i = 0;
        if (value[0] == 'R')
        {
            do
            {
                i++;
            }
            while (i < length && value[i] != '/');

            if (i - 1 < 1 || !int.TryParse(value.AsSpan(1, i - 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out repetitions))
            {
                return false;
            }

            i++;
            if (i >= length)
            {
                // "R5/" alone is accepted by daprd's parser as repetitions without a duration.
                result = new CalendarDuration(0, 0, 0, TimeSpan.Zero, repetitions);
                return true;
            }
        }

        if (value[i] != 'P')
        {
            return false;
        }

        i++;
        var start = i;
        var parsingTime = false;
        for (; i < length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case 'T':
                    if (start != i)
                    {
                        return false;
                    }

                    parsingTime = true;
                    start = i + 1;
                    break;
                case 'Y' or 'W' or 'D':
                    if (parsingTime || !TryReadInt(value, start, i, out var datepart))
                    {
                        return false;
                    }

                    if (c == 'Y')
                    {
                        years = datepart;
                    }
                    else
                    {
                        days += c == 'W' ? datepart * 7 : datepart;
                    }

                    start = i + 1;
                    break;
                case 'H' or 'S':
                    if (!parsingTime || !TryReadInt(value, start, i, out var timepart))
                    {
                        return false;
                    }

                    time += c == 'H' ? TimeSpan.FromHours(timepart) : TimeSpan.FromSeconds(timepart);
                    start = i + 1;
                    break;
                case 'M':
                    // 'M' means months in the date part and minutes after 'T'.
                    if (!TryReadInt(value, start, i, out var mpart))
                    {
                        return false;
                    }

                    if (parsingTime)
                    {
                        time += TimeSpan.FromMinutes(mpart);
                    }
                    else
                    {
                        months = mpart;
                    }

                    start = i + 1;
                    break;
            }
        }

        result = new CalendarDuration(years, months, days, time, repetitions);
        return true;
    }

    private static bool TryReadInt(string value, int start, int end, out int number)
    {
        number = 0;
        return start != end
            && int.TryParse(value.AsSpan(start, end - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number);
    }

    /// <summary>Parses a Go <c>time.Duration</c> string (<c>300ms</c>, <c>-1.5h</c>, <c>2h45m</c>, <c>0</c>).</summary>
    public static bool TryParseGoDuration(string value, out TimeSpan result)
    {
        result = TimeSpan.Zero;
        var s = value.AsSpan();
        var negative = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s is "0")
        {
            return true;
        }

        if (s.IsEmpty)
        {
            return false;
        }

        decimal totalNanoseconds = 0;
        while (!s.IsEmpty)
        {
            var digits = 0;
            while (digits < s.Length && char.IsAsciiDigit(s[digits]))
            {
                digits++;
            }

            var integerPart = s[..digits];
            s = s[digits..];
            var fractionPart = ReadOnlySpan<char>.Empty;
            if (!s.IsEmpty && s[0] == '.')
            {
                s = s[1..];
                var fractionDigits = 0;
                while (fractionDigits < s.Length && char.IsAsciiDigit(s[fractionDigits]))
                {
                    fractionDigits++;
                }

                fractionPart = s[..fractionDigits];
                s = s[fractionDigits..];
            }

            if (integerPart.IsEmpty && fractionPart.IsEmpty)
            {
                return false;
            }

            var unitLength = 0;
            while (unitLength < s.Length && s[unitLength] != '.' && !char.IsAsciiDigit(s[unitLength]))
            {
                unitLength++;
            }

            decimal unitNanoseconds = s[..unitLength] switch
            {
                "ns" => 1m,
                "us" or "µs" or "μs" => 1_000m,
                "ms" => 1_000_000m,
                "s" => 1_000_000_000m,
                "m" => 60m * 1_000_000_000m,
                "h" => 3600m * 1_000_000_000m,
                _ => -1m,
            };
            if (unitNanoseconds < 0)
            {
                return false;
            }

            s = s[unitLength..];
            var number = integerPart.IsEmpty ? 0m : decimal.Parse(integerPart, CultureInfo.InvariantCulture);
            if (!fractionPart.IsEmpty)
            {
                number += decimal.Parse("0." + fractionPart.ToString(), CultureInfo.InvariantCulture);
            }

            totalNanoseconds += number * unitNanoseconds;
            if (totalNanoseconds > long.MaxValue)
            {
                return false;
            }
        }

        var ticks = (long)(totalNanoseconds / 100m);
        result = TimeSpan.FromTicks(negative ? -ticks : ticks);
        return true;
    }

    /// <summary>daprd's <c>ParseDuration</c>: ISO 8601 first, then a Go duration (repetitions -1).</summary>
    public static bool TryParseDuration(string value, out CalendarDuration result)
    {
        if (TryParseIso8601Duration(value, out result))
        {
            return true;
        }

        if (TryParseGoDuration(value, out var span))
        {
            result = new CalendarDuration(0, 0, 0, span, -1);
            return true;
        }

        result = default;
        return false;
    }

    /// <summary>
    /// daprd's <c>ParseTime</c> for due times and TTLs: a duration (ISO 8601 without repetitions, or Go) added to
    /// <paramref name="offset"/>, or an absolute RFC 3339 timestamp.
    /// </summary>
    public static DateTimeOffset ParseTime(string value, DateTimeOffset offset)
    {
        if (TryParseIso8601Duration(value, out var iso))
        {
            if (iso.Repetitions != -1)
            {
                throw new FormatException("repetitions are not allowed");
            }

            return iso.AddTo(offset);
        }

        if (TryParseGoDuration(value, out var span))
        {
            return offset.Add(span);
        }

        if (TryParseRfc3339(value, out var timestamp))
        {
            return timestamp;
        }

        throw new FormatException("unsupported time/duration format: " + value);
    }

    /// <summary>RFC 3339 with optional fractional seconds (Go's <c>time.RFC3339Nano</c> layout).</summary>
    public static bool TryParseRfc3339(string value, out DateTimeOffset result)
    {
        result = default;
        var match = Rfc3339Pattern().Match(value);
        if (!match.Success)
        {
            return false;
        }

        // .NET keeps 7 fractional digits; Go keeps 9. Truncate rather than reject.
        var fraction = match.Groups["fraction"].Value;
        if (fraction.Length > 7)
        {
            fraction = fraction[..7];
        }

        var zone = match.Groups["zone"].Value;
        var normalized = match.Groups["datetime"].Value
            + (fraction.Length > 0 ? "." + fraction : string.Empty)
            + (zone == "Z" ? "+00:00" : zone);
        var format = "yyyy-MM-dd'T'HH:mm:ss" + (fraction.Length > 0 ? "." + new string('F', fraction.Length) : string.Empty) + "zzz";
        return DateTimeOffset.TryParseExact(normalized, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out result);
    }

    [GeneratedRegex(@"^(?<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.(?<fraction>\d{1,9}))?(?<zone>Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339Pattern();

    /// <summary>Formats a span the way daprd and the SDK write them back (<c>0h0m5s0ms</c>).</summary>
    public static string FormatDaprDuration(TimeSpan value) =>
        FormattableString.Invariant($"{(int)value.TotalHours}h{value.Minutes}m{value.Seconds}s{value.Milliseconds}ms");
}
