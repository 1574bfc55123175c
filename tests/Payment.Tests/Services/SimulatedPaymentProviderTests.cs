using Flipkart.Payment.Services;
using Microsoft.Extensions.Logging.Abstractions;
using Flipkart.Testing;

namespace Flipkart.Payment.Tests.Services;

[Unit]
public sealed class SimulatedPaymentProviderTests
{
    private static SimulatedPaymentProvider Provider(PaymentOptions options) =>
        new(new StaticOptions<PaymentOptions>(options), TimeProvider.System, NullLogger<SimulatedPaymentProvider>.Instance);

    [Theory]
    [InlineData("499.13", false)]
    [InlineData("0.13", false)]
    [InlineData("499.12", true)]
    [InlineData("499", true)]
    public async Task ChargeAsync_DeclinesTestAmounts(string amount, bool succeeds)
    {
        var provider = Provider(new PaymentOptions { Latency = TimeSpan.Zero, DeclineAmountsEndingInPaise = 13 });

        var result = await provider.ChargeAsync(Guid.NewGuid(), "buyer", decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), CancellationToken.None);

        Assert.Equal(succeeds, result.Succeeded);
    }

    [Fact]
    public async Task ChargeAsync_AnswersTheSameForTheSameOrder()
    {
        var provider = Provider(new PaymentOptions { Latency = TimeSpan.Zero, FailureRate = 0.5 });
        var random = new Random(42);
        var orders = Enumerable.Range(0, 200).Select(_ => { var bytes = new byte[16]; random.NextBytes(bytes); return new Guid(bytes); }).ToList();

        var first = await Task.WhenAll(orders.Select(o => provider.ChargeAsync(o, "buyer", 100m, CancellationToken.None)));
        var second = await Task.WhenAll(orders.Select(o => provider.ChargeAsync(o, "buyer", 100m, CancellationToken.None)));

        Assert.Equal(first.Select(r => (r.Succeeded, r.PaymentId)), second.Select(r => (r.Succeeded, r.PaymentId)));
        // A 50% rate over 200 fixed order ids: both outcomes occur.
        Assert.Contains(first, r => r.Succeeded);
        Assert.Contains(first, r => !r.Succeeded);
    }

    [Fact]
    public async Task ChargeAsync_NeverFails_WithRateZeroAndTheRuleOff()
    {
        var provider = Provider(new PaymentOptions { Latency = TimeSpan.Zero, FailureRate = 0, DeclineAmountsEndingInPaise = null, DeclineUserIdPrefix = null });

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => provider.ChargeAsync(Guid.NewGuid(), "decline-me", 0.13m + i, CancellationToken.None)));

        Assert.All(results, r => Assert.True(r.Succeeded));
    }

    [Theory]
    [InlineData("decline-buyer-1", false)]
    [InlineData("buyer-decline-1", true)]
    [InlineData(null, true)]
    public async Task ChargeAsync_DeclinesTestBuyers(string? userId, bool succeeds)
    {
        var provider = Provider(new PaymentOptions { Latency = TimeSpan.Zero, DeclineUserIdPrefix = "decline-" });

        var result = await provider.ChargeAsync(Guid.NewGuid(), userId, 100m, CancellationToken.None);

        Assert.Equal(succeeds, result.Succeeded);
    }
}
