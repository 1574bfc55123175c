using Flipkart.Ordering.Domain;
using Flipkart.Testing;

namespace Flipkart.Ordering.Tests.Domain;

[Unit]
public sealed class IdempotencyRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);
    private static readonly IdempotencyRecord InFlight = IdempotencyRecord.Begin("fp", T0, TimeSpan.FromSeconds(30), TimeSpan.FromHours(24));
    private static readonly IdempotencyRecord Completed = InFlight.Complete(202, "{}", "/api/orders/1");

    [Fact]
    public void Decide_Proceeds_WhenNoRecord() =>
        Assert.Equal(IdempotencyOutcome.Proceed, IdempotencyRules.Decide(null, "fp", T0));

    [Fact]
    public void Decide_Replays_WhenCompletedWithTheSameFingerprint() =>
        Assert.Equal(IdempotencyOutcome.Replay, IdempotencyRules.Decide(Completed, "fp", T0.AddHours(23)));

    [Fact]
    public void Decide_RejectsMismatch_WhenCompletedWithAnotherFingerprint() =>
        Assert.Equal(IdempotencyOutcome.FingerprintMismatch, IdempotencyRules.Decide(Completed, "other", T0.AddMinutes(1)));

    [Fact]
    public void Decide_RejectsMismatch_WhenInFlightWithAnotherFingerprint() =>
        Assert.Equal(IdempotencyOutcome.FingerprintMismatch, IdempotencyRules.Decide(InFlight, "other", T0.AddSeconds(1)));

    [Fact]
    public void Decide_ReportsInFlight_WhileTheLeaseHolds() =>
        Assert.Equal(IdempotencyOutcome.InFlight, IdempotencyRules.Decide(InFlight, "fp", T0.AddSeconds(29)));

    [Fact]
    public void Decide_Proceeds_WhenTheInFlightLeaseExpired() =>
        Assert.Equal(IdempotencyOutcome.Proceed, IdempotencyRules.Decide(InFlight, "fp", T0.AddSeconds(30)));

    [Fact]
    public void Decide_Proceeds_WhenTheRecordExpired()
    {
        Assert.Equal(IdempotencyOutcome.Proceed, IdempotencyRules.Decide(Completed, "fp", T0.AddHours(24)));
        Assert.Equal(IdempotencyOutcome.Proceed, IdempotencyRules.Decide(Completed, "other", T0.AddHours(24)));
    }

    [Theory]
    [InlineData("8e03978e-40d5-43e8-bc93-6894a57f9324", true)]
    [InlineData("a", true)]
    [InlineData("", false)]
    [InlineData("   ", false)]
    [InlineData("tab\there", false)]
    [InlineData("ключ", false)]
    public void IsValidKey_AcceptsPrintableAscii(string key, bool valid) =>
        Assert.Equal(valid, IdempotencyRules.IsValidKey(key));

    [Fact]
    public void IsValidKey_RejectsOverlongKeys() =>
        Assert.False(IdempotencyRules.IsValidKey(new string('k', IdempotencyRules.MaxKeyLength + 1)));
}
