using Flipkart.Payment.Domain;
using Flipkart.Payment.IntegrationEvents.Events;
using Flipkart.Payment.Services;
using Flipkart.ServiceDefaults;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Flipkart.Testing;

namespace Flipkart.Payment.Tests.Services;

[Unit]
public sealed class PaymentProcessorTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero));
    private readonly InMemoryPaymentRepository repository = new();
    private readonly RecordingProvider provider = new();
    private readonly PaymentProcessor processor;
    private readonly Guid orderId = Guid.NewGuid();

    public PaymentProcessorTests() =>
        processor = new PaymentProcessor(repository, provider, time, new StaticOptions<PaymentOptions>(new PaymentOptions()), NullLogger<PaymentProcessor>.Instance);

    private StockReserved Reserved(decimal amount = 1299m) => new(Guid.NewGuid(), time.GetUtcNow(), orderId, "user-1", amount, time.GetUtcNow().AddMinutes(10));

    private OrderCancelled Cancelled() => new(Guid.NewGuid(), time.GetUtcNow(), orderId, "user-1", "CancelledByUser");

    [Fact]
    public async Task ChargeAsync_ChargesAndPublishesPaymentSucceeded()
    {
        await processor.ChargeAsync(Reserved(), CancellationToken.None);

        var payment = (await repository.GetAsync(orderId, CancellationToken.None)).Payment!;
        Assert.Equal(PaymentStatus.Charged, payment.Status);
        var succeeded = Assert.IsType<PaymentSucceeded>(Assert.Single(repository.Published));
        Assert.Equal(1299m, succeeded.Amount);
        Assert.Equal(payment.PaymentId, succeeded.PaymentId);
    }

    [Fact]
    public async Task ChargeAsync_ChargesOnce_WhenStockReservedIsDeliveredTwice()
    {
        var @event = Reserved();

        await processor.ChargeAsync(@event, CancellationToken.None);
        await processor.ChargeAsync(@event, CancellationToken.None);

        Assert.Equal(1, provider.Charges);
        Assert.Single((await repository.GetAsync(orderId, CancellationToken.None)).Payment!.Charges);
        Assert.Single(repository.Published);
    }

    [Fact]
    public async Task ChargeAsync_StoresOneCharge_WhenTwoDeliveriesRace()
    {
        // The second delivery arrives while the first is about to store its outcome: it finds the first's charge in
        // progress and waits for its outcome instead of charging and committing alongside it.
        Task? second = null;
        repository.BeforeSave = () =>
        {
            second = processor.ChargeAsync(Reserved(), CancellationToken.None);
            return Task.CompletedTask;
        };

        await processor.ChargeAsync(Reserved(), CancellationToken.None);
        await second!;

        var payment = (await repository.GetAsync(orderId, CancellationToken.None)).Payment!;
        Assert.Single(payment.Charges);
        Assert.IsType<PaymentSucceeded>(Assert.Single(repository.Published));
    }

    [Fact]
    public async Task ChargeAsync_PublishesPaymentFailed_WhenDeclined()
    {
        provider.Decline = true;

        await processor.ChargeAsync(Reserved(), CancellationToken.None);

        Assert.Equal(PaymentStatus.Declined, (await repository.GetAsync(orderId, CancellationToken.None)).Payment!.Status);
        Assert.IsType<PaymentFailed>(Assert.Single(repository.Published));
    }

    [Fact]
    public async Task HandleOrderCancelled_RefundsOnce_WhenCancelledAfterTheCharge()
    {
        await processor.ChargeAsync(Reserved(), CancellationToken.None);

        await processor.HandleOrderCancelledAsync(Cancelled(), CancellationToken.None);
        await processor.HandleOrderCancelledAsync(Cancelled(), CancellationToken.None);

        var payment = (await repository.GetAsync(orderId, CancellationToken.None)).Payment!;
        Assert.Equal(PaymentStatus.Refunded, payment.Status);
        Assert.Single(payment.Refunds);
        Assert.Equal(1, provider.Refunds);
        var refunded = Assert.IsType<PaymentRefunded>(repository.Published[^1]);
        Assert.Equal(1299m, refunded.Amount);
        Assert.Equal("user-1", refunded.UserId);
        Assert.Single(repository.Published.OfType<PaymentRefunded>());
    }

    [Fact]
    public async Task HandleOrderCancelled_VoidsTheOrder_SoALateStockReservedNeverCharges()
    {
        await processor.HandleOrderCancelledAsync(Cancelled(), CancellationToken.None);
        await processor.ChargeAsync(Reserved(), CancellationToken.None);

        Assert.Equal(PaymentStatus.Voided, (await repository.GetAsync(orderId, CancellationToken.None)).Payment!.Status);
        Assert.Equal(0, provider.Charges);
        Assert.Empty(repository.Published);
    }

    [Fact]
    public async Task ChargeAsync_VoidsTheProviderCharge_WhenTheCancellationWinsTheRace()
    {
        repository.BeforeSave = () => processor.HandleOrderCancelledAsync(Cancelled(), CancellationToken.None);

        await processor.ChargeAsync(Reserved(), CancellationToken.None);

        var payment = (await repository.GetAsync(orderId, CancellationToken.None)).Payment!;
        Assert.Equal(PaymentStatus.Voided, payment.Status);
        Assert.Empty(payment.Charges);
        // The cancellation voids the charge it found in progress, and the charge that lost the record voids it too
        // (the provider's void is idempotent per order).
        Assert.Equal(2, provider.Voids);
        Assert.Empty(repository.Published);
    }

    [Fact]
    public async Task HandleOrderCancelled_VoidsTheProviderCharge_WhenTheChargesOutcomeWasNeverRecorded()
    {
        // The provider charged, then storing the outcome failed (finding F4): the intent stays.
        repository.BeforeSave = () => throw new DependencyUnavailableException("payment-store timed out", null);
        await Assert.ThrowsAsync<DependencyUnavailableException>(() => processor.ChargeAsync(Reserved(), CancellationToken.None));
        Assert.Equal(PaymentStatus.Charging, (await repository.GetAsync(orderId, CancellationToken.None)).Payment!.Status);

        await processor.HandleOrderCancelledAsync(Cancelled(), CancellationToken.None);
        await processor.HandleOrderCancelledAsync(Cancelled(), CancellationToken.None);   // redelivered: voids again, idempotent
        await processor.ChargeAsync(Reserved(), CancellationToken.None);                  // the late redelivery charges nothing

        Assert.Equal((1, 2, 0), (provider.Charges, provider.Voids, provider.Refunds));
        Assert.Equal(PaymentStatus.Voided, (await repository.GetAsync(orderId, CancellationToken.None)).Payment!.Status);
        Assert.Empty(repository.Published);
    }

    [Fact]
    public async Task HandleOrderCancelled_RefundsNothing_WhenThePaymentWasDeclined()
    {
        provider.Decline = true;
        await processor.ChargeAsync(Reserved(), CancellationToken.None);

        await processor.HandleOrderCancelledAsync(Cancelled(), CancellationToken.None);

        Assert.Equal(0, provider.Refunds);
        Assert.Equal(PaymentStatus.Declined, (await repository.GetAsync(orderId, CancellationToken.None)).Payment!.Status);
    }

    [Fact]
    public async Task RefundReturnAsync_RefundsTheChargeOnce_AndARepeatedRequestAnswersTheSameRefund()
    {
        await processor.ChargeAsync(Reserved(), CancellationToken.None);

        var first = await processor.RefundReturnAsync(orderId, CancellationToken.None);
        var again = await processor.RefundReturnAsync(orderId, CancellationToken.None);

        Assert.Equal(first, again);
        Assert.Equal(1299m, first.Amount);
        Assert.Equal(1, provider.Refunds);
        Assert.Single(repository.Published.OfType<PaymentRefunded>());
        Assert.Equal(PaymentStatus.Refunded, (await repository.GetAsync(orderId, CancellationToken.None)).Payment!.Status);
    }

    [Fact]
    public async Task RefundReturnAsync_RefusesAnOrderWithNoChargeToRefund()
    {
        await Assert.ThrowsAsync<NothingToRefundException>(() => processor.RefundReturnAsync(orderId, CancellationToken.None));
        provider.Decline = true;
        await processor.ChargeAsync(Reserved(), CancellationToken.None);
        await Assert.ThrowsAsync<NothingToRefundException>(() => processor.RefundReturnAsync(orderId, CancellationToken.None));
        Assert.Equal(0, provider.Refunds);
    }

    [Fact]
    public async Task A_cancellation_refund_and_a_return_refund_of_one_order_pay_back_once()
    {
        await processor.ChargeAsync(Reserved(), CancellationToken.None);

        await processor.HandleOrderCancelledAsync(Cancelled(), CancellationToken.None);
        var refund = await processor.RefundReturnAsync(orderId, CancellationToken.None);

        Assert.Equal(1, provider.Refunds);
        Assert.Equal(1299m, refund.Amount);
    }

    [Fact]
    public async Task ChargeAsync_ReEmitsPaymentSucceededOnce_WhenTheFirstDeliveryStoppedBetweenTheChargeAndItsEvent()
    {
        var @event = Reserved();
        repository.FailPublishes = 1;

        // The outcome is stored, its publish fails: the delivery fails and the broker redelivers it.
        await Assert.ThrowsAsync<DependencyUnavailableException>(() => processor.ChargeAsync(@event, CancellationToken.None));
        Assert.Empty(repository.Published);
        await processor.ChargeAsync(@event, CancellationToken.None);
        await processor.ChargeAsync(@event, CancellationToken.None);

        Assert.Equal(1, provider.Charges);
        var succeeded = Assert.IsType<PaymentSucceeded>(Assert.Single(repository.Published));
        var payment = (await repository.GetAsync(orderId, CancellationToken.None)).Payment!;
        Assert.Equal(PaymentProcessor.AnnouncedEvent(payment), succeeded);
    }

    [Fact]
    public async Task HandleOrderCancelled_ReEmitsPaymentRefundedOnce_WhenTheFirstDeliveryStoppedBetweenTheRefundAndItsEvent()
    {
        await processor.ChargeAsync(Reserved(), CancellationToken.None);
        repository.FailPublishes = 1;

        await Assert.ThrowsAsync<DependencyUnavailableException>(() => processor.HandleOrderCancelledAsync(Cancelled(), CancellationToken.None));
        time.Advance(TimeSpan.FromSeconds(5));
        await processor.HandleOrderCancelledAsync(Cancelled(), CancellationToken.None);

        Assert.Equal(1, provider.Refunds);
        var refunded = Assert.Single(repository.Published.OfType<PaymentRefunded>());
        Assert.Equal("user-1", refunded.UserId);
    }

    [Fact]
    public void AnnouncedEvent_IsRebuiltIdentically_AndOnlyForAnOutcome()
    {
        var now = time.GetUtcNow();
        var charged = OrderPayment.Charged(orderId, "user-1", 10m, "pay_1", now);
        Assert.Equal(PaymentProcessor.AnnouncedEvent(charged), PaymentProcessor.AnnouncedEvent(charged));
        Assert.Equal(now, PaymentProcessor.AnnouncedEvent(charged)!.OccurredAt);
        Assert.IsType<PaymentFailed>(PaymentProcessor.AnnouncedEvent(OrderPayment.Declined(orderId, "user-1", 10m, "card declined", now)));
        Assert.Null(PaymentProcessor.AnnouncedEvent(OrderPayment.Voided(orderId, "user-1", now)));
        Assert.Null(PaymentProcessor.AnnouncedEvent(OrderPayment.Intent(orderId, "user-1", 10m, Guid.NewGuid(), now)));
        charged.Refund("re_1", now.AddMinutes(1));
        Assert.Equal(now.AddMinutes(1), Assert.IsType<PaymentRefunded>(PaymentProcessor.AnnouncedEvent(charged)).OccurredAt);
    }
}
