using ScottPlot;

namespace Flipkart.LoadTest.Reporting;

/// <summary>
/// The run over time as a PNG: throughput on top (requests/s, plus orders confirmed and rejected per second in a
/// flash sale), p50 and p99 latency per second below; phases follow each other on one time axis, separated and named.
/// </summary>
public static class ChartRenderer
{
    public static void Render(RunResult result, string path, int width = 1400, int height = 900)
    {
        var cpu = result.FlashSale?.SaleCpu is { TotalMsPerUnit: not null } sale ? sale : null;
        height = result.Soak is null && cpu is null ? height : height * 3 / 2;
        var phases = result.Phases.Where(p => p.Timeline.Count > 0).ToList();
        var multiplot = new Multiplot();
        multiplot.AddPlots(result.Soak is null && cpu is null ? 2 : 3);
        var throughput = multiplot.GetPlot(0);
        var latency = multiplot.GetPlot(1);

        var offset = 0.0;
        var palette = new ScottPlot.Palettes.Category10();
        var boundaries = new List<(double X, string Name)>();
        var legendDone = new HashSet<string>(StringComparer.Ordinal);
        foreach (var phase in phases)
        {
            var xs = phase.Timeline.Select(p => offset + p.Seconds).ToArray();
            AddSeries(throughput, xs, phase.Timeline.Select(p => p.RequestsPerSecond).ToArray(), "requests/s", palette.GetColor(0), legendDone);
            foreach (var (counter, index) in new[] { ("confirmed", 2), ("rejected", 3), ("won", 4), ("sold-out answers", 5) })
            {
                if (phase.Timeline.Any(p => p.Counters.ContainsKey(counter)))
                {
                    AddSeries(throughput, xs, phase.Timeline.Select(p => p.Counters.GetValueOrDefault(counter)).ToArray(), counter + "/s", palette.GetColor(index), legendDone);
                }
            }
            var withLatency = phase.Timeline.Where(p => p.P50Ms is not null).ToList();
            if (withLatency.Count > 0)
            {
                var lx = withLatency.Select(p => offset + p.Seconds).ToArray();
                AddSeries(latency, lx, withLatency.Select(p => p.P50Ms!.Value).ToArray(), "p50", palette.GetColor(1), legendDone);
                AddSeries(latency, lx, withLatency.Select(p => p.P99Ms!.Value).ToArray(), "p99", palette.GetColor(3), legendDone);
            }
            boundaries.Add((offset, phase.Name));
            offset += phase.Timeline[^1].Seconds;
        }

        foreach (var plot in new[] { throughput, latency })
        {
            foreach (var (x, name) in boundaries)
            {
                var line = plot.Add.VerticalLine(x, 1, Colors.Gray);
                line.LinePattern = LinePattern.Dashed;
                // The first phase starts at the axis itself, where its label would be cut off; the title names it.
                if (plot == throughput && x > 0)
                {
                    line.LabelText = name;
                    line.LabelOppositeAxis = true;
                    line.LabelFontSize = 11;
                }
            }
            plot.Axes.Bottom.Label.Text = "seconds since the first phase started";
            plot.ShowLegend(Alignment.UpperRight);
            // Rates and latencies read against zero; a floating axis exaggerates small wobbles.
            plot.Axes.AutoScale();
            var limits = plot.Axes.GetLimits();
            plot.Axes.SetLimitsY(0, Math.Max(limits.Top, 1) * 1.05);
        }
        throughput.Title($"{result.Scenario}: throughput per second ({result.Target.Mode}, {result.Machine.ProcessorCount} cores, {result.StartedAt:yyyy-MM-dd HH:mm} UTC)"
            + (boundaries.Count > 0 ? $"\nfirst phase: {boundaries[0].Name}" : ""));
        throughput.Axes.Left.Label.Text = "per second";
        latency.Title("latency per second (HdrHistogram, all requests of the phase)");
        latency.Axes.Left.Label.Text = "milliseconds";
        if (result.Soak is { } soak)
        {
            var memory = multiplot.GetPlot(2);
            var names = soak.Series.SelectMany(p => p.RssMb.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            for (var i = 0; i < names.Count; i++)
            {
                var points = soak.Series.Where(p => p.RssMb.ContainsKey(names[i])).ToList();
                AddSeries(memory, [.. points.Select(p => p.Seconds)], [.. points.Select(p => p.RssMb[names[i]])], names[i], palette.GetColor(i), legendDone);
            }
            var warm = memory.Add.VerticalLine(soak.WarmupSeconds, 1, Colors.Gray);
            warm.LinePattern = LinePattern.Dashed;
            warm.LabelText = "end of warm-up";
            memory.Title($"resident memory per process (/proc, every 2 s); growth judged after the warm-up, limit {soak.GrowthLimitPercent:0.#}%");
            memory.Axes.Left.Label.Text = "MB";
            memory.Axes.Bottom.Label.Text = "seconds since the load started";
            memory.ShowLegend(Alignment.LowerRight);
            memory.Axes.AutoScale();
            memory.Axes.SetLimitsY(0, Math.Max(memory.Axes.GetLimits().Top, 1) * 1.05);
        }
        if (cpu is not null)
        {
            CpuPerOrder(multiplot.GetPlot(2), cpu, result.FlashSale!.SoldOutPhase?.Cpu);
        }
        multiplot.SharedAxes.ShareX([throughput, latency]);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        multiplot.SavePng(path, width, height);
    }

    /// <summary>CPU-milliseconds per confirmed order by process (and per sold-out answer beside it): where an order's cost goes.</summary>
    private static void CpuPerOrder(Plot plot, Metrics.CpuCost sale, Metrics.CpuCost? soldOut)
    {
        var palette = new ScottPlot.Palettes.Category10();
        var names = sale.Processes.Select(p => p.Name).ToList();
        PairedBars(plot, names,
            [.. sale.Processes.Select(p => p.MsPerUnit)], palette.GetColor(0),
            [.. names.Select(n => soldOut?.Processes.FirstOrDefault(p => p.Name == n)?.MsPerUnit)], palette.GetColor(3));
        plot.Axes.Left.Label.Text = "CPU ms";
        plot.Title($"CPU per confirmed order by process: {sale.TotalMsPerUnit:0.0} ms in all over {sale.Units} orders (blue)"
            + (soldOut?.TotalMsPerUnit is { } answer ? $"; per sold-out answer {answer:0.00} ms (red)" : ""));
        plot.Axes.Margins(bottom: 0);
    }

    /// <summary>Two bars per name, side by side (a missing value draws no bar), the name under each pair.</summary>
    internal static void PairedBars(Plot plot, IReadOnlyList<string> names, IReadOnlyList<double?> first, Color firstColor, IReadOnlyList<double?> second, Color secondColor)
    {
        var bars = new List<Bar>();
        for (var i = 0; i < names.Count; i++)
        {
            if (first[i] is { } a)
            {
                bars.Add(new Bar { Position = i * 3, Value = a, FillColor = firstColor });
            }
            if (second[i] is { } b)
            {
                bars.Add(new Bar { Position = i * 3 + 1, Value = b, FillColor = secondColor });
            }
        }
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks([.. names.Select((_, i) => i * 3 + 0.5)], [.. names]);
    }

    private static void AddSeries(Plot plot, double[] xs, double[] ys, string name, Color color, HashSet<string> legendDone)
    {
        var scatter = plot.Add.ScatterLine(xs, ys, color);
        scatter.LineWidth = 2;
        if (legendDone.Add(plot.GetHashCode() + name))
        {
            scatter.LegendText = name;
        }
    }
}
