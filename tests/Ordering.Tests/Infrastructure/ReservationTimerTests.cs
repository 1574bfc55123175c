using Flipkart.Ordering.Infrastructure;
using Flipkart.Testing;

namespace Flipkart.Ordering.Tests.Infrastructure;

[Unit]
public sealed class ReservationTimerTests
{
    [Theory]
    [InlineData(0, "0h0m0s0ms")]
    [InlineData(600_000, "0h10m0s0ms")]
    [InlineData(1_500, "0h0m1s500ms")]
    [InlineData(90_061_001, "25h1m1s1ms")]
    public void DaprDuration_WritesTheSdkFormat(long milliseconds, string expected) =>
        Assert.Equal(expected, ActorReservationTimer.DaprDuration(TimeSpan.FromMilliseconds(milliseconds)));
}
