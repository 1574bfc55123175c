using Flipkart.LoadTest.Cli;
using Flipkart.LoadTest.Reporting;
using Flipkart.LoadTest.Targets;

namespace Flipkart.LoadTest.Tests;

/// <summary>
/// The real system (every service as a process, embedded sidecars, free ports) started once for the class through
/// the same path the tool uses, with the tool's load-test configuration.
/// </summary>
public sealed class LocalSystemFixture : IAsyncLifetime
{
    public CapturingRunOutput Output { get; } = new(_ => { });

    public SystemUnderTest? System { get; private set; }

    public async ValueTask InitializeAsync()
    {
        try
        {
            // Debug: what `dotnet test` has just built, so the local run's own build is a quick no-op.
            // A smaller catalog seeds in a fraction of the time; the tests do not depend on its size.
            System = await SystemUnderTest.StartLocalAsync(new LocalTargetOptions { Configuration = "Debug", CatalogProducts = 1000 }, Output, TestContext.Current.CancellationToken);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"The local run did not start: {e.Message}{Environment.NewLine}{Output.Tail()}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (System is not null)
        {
            await System.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LocalSystemCollection
{
    public const string Name = "Load test local run";
}

[Collection(LocalSystemCollection.Name)]
[Trait("Category", "System")]
public sealed class FlashSaleEndToEndTests(LocalSystemFixture fixture) : IClassFixture<LocalSystemFixture>
{
    [Fact]
    public async Task A_small_flash_sale_sells_every_unit_exactly_once_and_charges_only_confirmed_orders()
    {
        var options = CommandLine.Parse(["flash-sale", "--buyers", "300", "--units", "30", "--concurrency", "30", "--rehearsals", "1", "--plain"]);

        var result = await LoadTestRun.ExecuteAsync(options, fixture.System!, new ConsoleUi(forcePlain: true), TestContext.Current.CancellationToken);

        var sale = result.FlashSale!;
        Assert.True(result.Passed, string.Join(Environment.NewLine, result.Invariants.Where(i => !i.Passed).Select(i => $"{i.Name}: {i.Detail}"))
            + Environment.NewLine + string.Join(Environment.NewLine, result.Notes) + Environment.NewLine + StatusCodes(result) + Environment.NewLine + fixture.Output.Tail());
        Assert.Equal(30, sale.Confirmed);
        Assert.Equal(new FlashSale.StockSnapshot(0, 0, 30), sale.After with { Sold = sale.After.Sold - sale.Before.Sold });
        // Eight stock, order and payment invariants, the notifications one and "no workflow stuck": the ledger's
        // notifications and fulfilment's verdicts on the 30 deliveries were read.
        Assert.Equal(10, result.Invariants.Count);
        Assert.Contains("30 confirmed orders: 30 waiting on a known event", Assert.Single(result.Invariants, i => i.Name.StartsWith("no workflow stuck", StringComparison.Ordinal)).Detail);
        Assert.Equal("buy-now", sale.Checkout);
        // The figures the summary and the JSON are made of were measured, not left empty.
        Assert.NotNull(sale.PlaceOrder);
        Assert.NotNull(sale.BuyDecision);
        Assert.Contains(result.Processes, p => p.Name == "ordering" && p.PeakRssMb > 0);
        // The warm-up was a rehearsal sale on another product.
        Assert.Contains(result.Notes, n => n.StartsWith("warm-up: 1 rehearsal sale(s) of 200 buyers for 30 units", StringComparison.Ordinal));
        // CPU per confirmed order over the sale, and the open-loop sold-out phase after it: every answer a 409 sold out.
        Assert.True(sale.SaleCpu!.TotalMsPerUnit > 0, $"sale CPU: {sale.SaleCpu}");
        Assert.Contains(sale.SaleCpu.Processes, p => p.Name == "ordering" && p.CpuMs > 0);
        var soldOut = sale.SoldOutPhase!;
        Assert.True(soldOut.SoldOutAnswers > 0 && soldOut.OtherAnswers == 0,
            $"sold-out phase: {soldOut.SoldOutAnswers} sold-out answers, others {string.Join(", ", soldOut.OtherAnswersByStatus.Select(o => $"{o.Key}×{o.Value}"))}");
        Assert.True(soldOut.Cpu.TotalMsPerUnit > 0);
        // The chart draws the CPU panel without failing.
        var directory = Directory.CreateTempSubdirectory("loadtest-sale-");
        try
        {
            var (json, chart) = LoadTestRun.Write(result, options with { Out = Path.Combine(directory.FullName, "sale.json") });
            Assert.NotNull(chart);
            Assert.Contains("no workflow stuck", File.ReadAllText(json), StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static string StatusCodes(RunResult result) => string.Join(Environment.NewLine, result.Phases.SelectMany(p =>
        p.Operations.Select(o => $"{p.Name} {o.Key}: {string.Join(" ", o.Value.StatusCodes.Select(s => $"{s.Key}×{s.Value}"))}")));

    [Fact]
    public async Task The_results_json_and_the_chart_are_written_for_a_run()
    {
        var directory = Directory.CreateTempSubdirectory("loadtest-out-");
        try
        {
            var options = CommandLine.Parse(["browse", "--duration", "2", "--warmup", "0", "--concurrency", "4", "--products", "50",
                "--out", Path.Combine(directory.FullName, "browse.json")]);

            var result = await LoadTestRun.ExecuteAsync(options, fixture.System!, new ConsoleUi(forcePlain: true), TestContext.Current.CancellationToken);
            var (json, chart) = LoadTestRun.Write(result, options);

            var phase = Assert.Single(result.Phases);
            Assert.True(phase.Requests > 0);
            Assert.Equal(0, phase.Errors);
            Assert.Contains("detail", phase.Operations.Keys);
            using var document = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(json, TestContext.Current.CancellationToken));
            Assert.Equal("browse", document.RootElement.GetProperty("scenario").GetString());
            Assert.NotNull(chart);
            var png = await File.ReadAllBytesAsync(chart, TestContext.Current.CancellationToken);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
