namespace Flipkart.LoadTest.Metrics;

/// <summary>One process's memory after the warm-up and at the end of a soak.</summary>
/// <param name="Judged">False for the load tool's own process: it also holds the run's statistics, which grow by design.</param>
public sealed record RssGrowth(string Process, double AfterWarmupMb, double AtEndMb, double GrowthPercent, bool Judged, bool Passed);

/// <summary>
/// Memory growth over a soak, from the sampled series: the median RSS in a window just after the warm-up against the
/// median in the last window of the run (medians, so one GC's swing does not decide). A process passes when it grew
/// at most the limit.
/// </summary>
public static class SoakAnalysis
{
    public static IReadOnlyList<RssGrowth> Growth(IReadOnlyList<RssPoint> series, TimeSpan warmup, double limitPercent)
    {
        if (series.Count == 0)
        {
            return [];
        }
        var end = series[^1].Seconds;
        var from = warmup.TotalSeconds;
        // Windows of a quarter of the measured part, at most 30 s: long enough for several samples, short enough to show a trend.
        var window = Math.Max(Math.Min(30, (end - from) / 4), 0.001);
        var names = series.SelectMany(p => p.RssMb.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        var result = new List<RssGrowth>();
        foreach (var name in names)
        {
            var early = Median(series.Where(p => p.Seconds >= from && p.Seconds <= from + window), name);
            var late = Median(series.Where(p => p.Seconds >= end - window), name);
            if (early is not { } e || late is not { } l || e <= 0)
            {
                continue;
            }
            var growth = Math.Round((l - e) / e * 100, 1);
            var judged = !name.Contains("loadtest", StringComparison.Ordinal);
            result.Add(new RssGrowth(name, e, l, growth, judged, !judged || growth <= limitPercent));
        }
        return result;
    }

    private static double? Median(IEnumerable<RssPoint> points, string name)
    {
        var values = points.Where(p => p.RssMb.ContainsKey(name)).Select(p => p.RssMb[name]).Order().ToList();
        if (values.Count == 0)
        {
            return null;
        }
        var mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : Math.Round((values[mid - 1] + values[mid]) / 2, 1);
    }
}
