using Flipkart.Testing;

namespace Flipkart.ServiceDefaults.Tests.Events;

[Unit]
public sealed class InFlightDeliveriesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly InFlightDeliveries inFlight = new();

    [Fact]
    public async Task ASecondCopy_WaitsUntilTheFirstIsDone()
    {
        var id = Guid.NewGuid();
        var first = await inFlight.EnterAsync("OrderSubmitted", id, Ct);

        var second = inFlight.EnterAsync("OrderSubmitted", id, Ct);
        Assert.False(second.IsCompleted);

        first.Dispose();
        (await second).Dispose();
        Assert.Equal(0, inFlight.Count);
    }

    [Fact]
    public async Task OtherEvents_AndOtherTypesWithTheSameId_GoAhead()
    {
        var id = Guid.NewGuid();
        using var held = await inFlight.EnterAsync("OrderSubmitted", id, Ct);

        var otherId = inFlight.EnterAsync("OrderSubmitted", Guid.NewGuid(), Ct);
        var otherType = inFlight.EnterAsync("OrderCancelled", id, Ct);

        Assert.True(otherId.IsCompletedSuccessfully);
        Assert.True(otherType.IsCompletedSuccessfully);
        (await otherId).Dispose();
        (await otherType).Dispose();
        Assert.Equal(1, inFlight.Count);
    }

    [Fact]
    public async Task ACopyWhoseDeliveryIsCancelledWhileWaiting_LeavesNothingBehind()
    {
        var id = Guid.NewGuid();
        var first = await inFlight.EnterAsync("StockReserved", id, Ct);
        using var cancel = new CancellationTokenSource();

        var waiting = inFlight.EnterAsync("StockReserved", id, cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        first.Dispose();
        first.Dispose(); // twice is harmless
        Assert.Equal(0, inFlight.Count);
        (await inFlight.EnterAsync("StockReserved", id, Ct)).Dispose();
    }
}
