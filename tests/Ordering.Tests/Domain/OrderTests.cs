using Flipkart.Ordering.Domain;
using Flipkart.Testing;

namespace Flipkart.Ordering.Tests.Domain;

[Unit]
public sealed class OrderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    private static Order NewOrder() => Order.Submit(Guid.NewGuid(), "user-1",
        [new OrderLine("p1", "Phone", 999.50m, 2), new OrderLine("p2", "Case", 100m, 1)], T0, Timeout);

    private static Order OrderIn(OrderStatus status)
    {
        var order = NewOrder();
        switch (status)
        {
            case OrderStatus.StockReserved:
                order.OnStockReserved(T0);
                break;
            case OrderStatus.Paid:
                order.OnStockReserved(T0);
                order.TransitionTo(OrderStatus.Paid, T0);
                break;
            case OrderStatus.Confirmed:
                order.OnStockReserved(T0);
                order.OnPaymentSucceeded("pay", T0.AddMinutes(1));
                break;
            case OrderStatus.Cancelled:
                order.CancelByUser(T0);
                break;
            case var stage when FulfilmentStages.IsFulfilment(stage):
                order.OnStockReserved(T0);
                order.OnPaymentSucceeded("pay", T0.AddMinutes(1));
                order.OnFulfilment(stage, T0.AddMinutes(1));
                break;
        }
        Assert.Equal(status, order.Status);
        return order;
    }

    [Fact]
    public void Submit_PricesFromLinesAndStartsTimeline()
    {
        var order = NewOrder();

        Assert.Equal(OrderStatus.Submitted, order.Status);
        Assert.Equal(2099m, order.Total);
        Assert.Equal(T0 + Timeout, order.ReservationExpiresAt);
        Assert.Equal([new StatusChange(OrderStatus.Submitted, T0)], order.Timeline);
    }

    [Fact]
    public void Submit_Throws_WhenNoLines() =>
        Assert.Throws<OrderingDomainException>(() => Order.Submit(Guid.NewGuid(), "u", [], T0, Timeout));

    [Fact]
    public void Submit_Throws_WhenAProductAppearsTwice() =>
        Assert.Throws<OrderingDomainException>(() => Order.Submit(Guid.NewGuid(), "u",
            [new OrderLine("p1", "A", 1m, 1), new OrderLine("p1", "A", 1m, 2)], T0, Timeout));

    [Fact]
    public void Submit_Throws_WhenQuantityIsNotPositive() =>
        Assert.Throws<OrderingDomainException>(() => Order.Submit(Guid.NewGuid(), "u", [new OrderLine("p1", "A", 1m, 0)], T0, Timeout));

    public static TheoryData<OrderStatus, OrderStatus, bool> AllTransitions()
    {
        var legal = new HashSet<(OrderStatus, OrderStatus)>
        {
            (OrderStatus.Submitted, OrderStatus.StockReserved),
            (OrderStatus.Submitted, OrderStatus.Paid),
            (OrderStatus.Submitted, OrderStatus.Cancelled),
            (OrderStatus.StockReserved, OrderStatus.Paid),
            (OrderStatus.StockReserved, OrderStatus.Cancelled),
            (OrderStatus.Paid, OrderStatus.Confirmed),
        };
        // After confirmation: only forward along the parcel's stages (skipping is allowed: events may be reordered),
        // and a cancel only before the courier has it.
        var after = new[]
        {
            OrderStatus.Confirmed, OrderStatus.Packed, OrderStatus.Shipped, OrderStatus.OutForDelivery, OrderStatus.Delivered,
            OrderStatus.ReturnRequested, OrderStatus.PickedUp,
        };
        OrderStatus[] ends = [OrderStatus.Refunded, OrderStatus.ReturnRejected, OrderStatus.ReturnLapsed];
        for (var i = 0; i < after.Length; i++)
        {
            foreach (var later in after.Skip(i + 1).Concat(ends))
            {
                legal.Add((after[i], later));
            }
        }
        legal.Add((OrderStatus.Confirmed, OrderStatus.Cancelled));
        legal.Add((OrderStatus.Packed, OrderStatus.Cancelled));
        var data = new TheoryData<OrderStatus, OrderStatus, bool>();
        foreach (var from in Enum.GetValues<OrderStatus>())
        {
            foreach (var to in Enum.GetValues<OrderStatus>())
            {
                data.Add(from, to, legal.Contains((from, to)));
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(AllTransitions))]
    public void TransitionTo_IsGuardedByTheTable(OrderStatus from, OrderStatus to, bool legal)
    {
        var order = OrderIn(from);
        var timelineLength = order.Timeline.Count;

        if (legal)
        {
            order.TransitionTo(to, T0.AddMinutes(2));
            Assert.Equal(to, order.Status);
            Assert.Equal(timelineLength + 1, order.Timeline.Count);
        }
        else
        {
            Assert.Throws<OrderingDomainException>(() => order.TransitionTo(to, T0.AddMinutes(2)));
            Assert.Equal(from, order.Status);
            Assert.Equal(timelineLength, order.Timeline.Count);
        }
    }

    [Fact]
    public void OnStockReserved_MovesSubmittedToStockReserved_AndIgnoresTheDuplicate()
    {
        var order = NewOrder();

        Assert.True(order.OnStockReserved(T0.AddSeconds(1)));
        Assert.False(order.OnStockReserved(T0.AddSeconds(2)));

        Assert.Equal(OrderStatus.StockReserved, order.Status);
        Assert.Equal(2, order.Timeline.Count);
    }

    [Theory]
    [InlineData(OrderStatus.Confirmed)]
    [InlineData(OrderStatus.Cancelled)]
    public void OnStockReserved_IsANoOp_WhenLate(OrderStatus status)
    {
        var order = OrderIn(status);
        Assert.False(order.OnStockReserved(T0.AddMinutes(2)));
        Assert.Equal(status, order.Status);
    }

    [Fact]
    public void OnStockReservationFailed_CancelsWithOutOfStock()
    {
        var order = NewOrder();

        Assert.True(order.OnStockReservationFailed(T0.AddSeconds(1), "p1: insufficient stock"));
        Assert.False(order.OnStockReservationFailed(T0.AddSeconds(2)));

        Assert.Equal(OrderStatus.Cancelled, order.Status);
        Assert.Equal(CancellationReason.OutOfStock, order.CancellationReason);
    }

    [Fact]
    public void OnStockReservationFailed_IsANoOp_AfterStockWasReserved()
    {
        var order = OrderIn(OrderStatus.StockReserved);
        Assert.False(order.OnStockReservationFailed(T0.AddSeconds(1)));
        Assert.Equal(OrderStatus.StockReserved, order.Status);
    }

    [Fact]
    public void OnPaymentSucceeded_PaysAndConfirms_WithinTheReservation()
    {
        var order = OrderIn(OrderStatus.StockReserved);

        Assert.True(order.OnPaymentSucceeded("pay_1", T0.AddMinutes(1)));

        Assert.Equal(OrderStatus.Confirmed, order.Status);
        Assert.Equal("pay_1", order.PaymentId);
        Assert.Equal([OrderStatus.Submitted, OrderStatus.StockReserved, OrderStatus.Paid, OrderStatus.Confirmed], order.Timeline.Select(t => t.Status));
    }

    [Fact]
    public void OnPaymentSucceeded_Confirms_WhenItOvertakesStockReserved()
    {
        var order = NewOrder();

        Assert.True(order.OnPaymentSucceeded("pay_1", T0.AddMinutes(1)));
        Assert.False(order.OnStockReserved(T0.AddMinutes(2)));

        Assert.Equal(OrderStatus.Confirmed, order.Status);
    }

    [Fact]
    public void OnPaymentSucceeded_IsIdempotent()
    {
        var order = OrderIn(OrderStatus.StockReserved);
        order.OnPaymentSucceeded("pay_1", T0.AddMinutes(1));
        var timeline = order.Timeline.Count;

        Assert.False(order.OnPaymentSucceeded("pay_1", T0.AddMinutes(2)));
        Assert.Equal(timeline, order.Timeline.Count);
    }

    [Fact]
    public void OnPaymentSucceeded_Cancels_WhenThePaymentArrivesAfterTheReservationExpired()
    {
        var order = OrderIn(OrderStatus.StockReserved);

        Assert.True(order.OnPaymentSucceeded("pay_1", T0 + Timeout));

        Assert.Equal(OrderStatus.Cancelled, order.Status);
        Assert.Equal(CancellationReason.ReservationExpired, order.CancellationReason);
        Assert.Null(order.PaymentId);
    }

    [Fact]
    public void OnPaymentSucceeded_IsANoOp_WhenTheOrderIsAlreadyCancelled()
    {
        var order = OrderIn(OrderStatus.Cancelled);
        Assert.False(order.OnPaymentSucceeded("pay_1", T0.AddMinutes(1)));
        Assert.Equal(CancellationReason.CancelledByUser, order.CancellationReason);
    }

    [Theory]
    [InlineData(OrderStatus.Submitted)]
    [InlineData(OrderStatus.StockReserved)]
    public void OnPaymentFailed_CancelsWithPaymentFailed(OrderStatus status)
    {
        var order = OrderIn(status);

        Assert.True(order.OnPaymentFailed(T0.AddMinutes(1), "declined"));
        Assert.False(order.OnPaymentFailed(T0.AddMinutes(2), "declined"));

        Assert.Equal(OrderStatus.Cancelled, order.Status);
        Assert.Equal(CancellationReason.PaymentFailed, order.CancellationReason);
    }

    [Fact]
    public void OnPaymentFailed_IsANoOp_AfterConfirmation()
    {
        var order = OrderIn(OrderStatus.Confirmed);
        Assert.False(order.OnPaymentFailed(T0.AddMinutes(3)));
        Assert.Equal(OrderStatus.Confirmed, order.Status);
    }

    [Theory]
    [InlineData(OrderStatus.Submitted)]
    [InlineData(OrderStatus.StockReserved)]
    public void OnReservationTimeout_CancelsAnUnpaidOrder_OnceDue(OrderStatus status)
    {
        var order = OrderIn(status);

        Assert.False(order.OnReservationTimeout(T0 + Timeout - TimeSpan.FromSeconds(1)));
        Assert.True(order.OnReservationTimeout(T0 + Timeout));
        Assert.False(order.OnReservationTimeout(T0 + Timeout + TimeSpan.FromSeconds(1)));

        Assert.Equal(CancellationReason.ReservationExpired, order.CancellationReason);
    }

    [Fact]
    public void OnReservationTimeout_IsANoOp_ForAConfirmedOrder()
    {
        var order = OrderIn(OrderStatus.Confirmed);
        Assert.False(order.OnReservationTimeout(T0 + Timeout));
        Assert.Equal(OrderStatus.Confirmed, order.Status);
    }

    [Theory]
    [InlineData(OrderStatus.Submitted)]
    [InlineData(OrderStatus.StockReserved)]
    public void CancelByUser_Cancels_BeforePayment(OrderStatus status)
    {
        var order = OrderIn(status);

        Assert.True(order.CancelByUser(T0.AddMinutes(1)));
        Assert.False(order.CancelByUser(T0.AddMinutes(2)));

        Assert.Equal(CancellationReason.CancelledByUser, order.CancellationReason);
        Assert.Equal(OrderStatus.Cancelled, order.Timeline[^1].Status);
    }

    [Theory]
    [InlineData(OrderStatus.Paid)]
    [InlineData(OrderStatus.Confirmed)]
    [InlineData(OrderStatus.Packed)]
    public void CancelByUser_Throws_AfterPayment_UnlessFulfilmentStoppedTheParcel(OrderStatus status)
    {
        var order = OrderIn(status);
        Assert.Throws<OrderNotCancellableException>(() => order.CancelByUser(T0.AddMinutes(3)));
        Assert.Equal(status, order.Status);
    }

    [Theory]
    [InlineData(OrderStatus.Confirmed)]
    [InlineData(OrderStatus.Packed)]
    public void CancelByUser_Cancels_BeforeHandOver_WhenFulfilmentAgreed(OrderStatus status)
    {
        var order = OrderIn(status);

        Assert.True(order.CancelByUser(T0.AddMinutes(3), fulfilmentAgreed: true));
        Assert.False(order.CancelByUser(T0.AddMinutes(4), fulfilmentAgreed: true));

        Assert.Equal(OrderStatus.Cancelled, order.Status);
        Assert.Equal(CancellationReason.CancelledByUser, order.CancellationReason);
    }

    [Theory]
    [InlineData(OrderStatus.Shipped)]
    [InlineData(OrderStatus.Delivered)]
    [InlineData(OrderStatus.ReturnRequested)]
    public void CancelByUser_Throws_WithTheReason_OnceTheCourierHasTheParcel(OrderStatus status)
    {
        var order = OrderIn(status);

        var refused = Assert.Throws<OrderNotCancellableException>(() => order.CancelByUser(T0.AddMinutes(3), fulfilmentAgreed: true));

        Assert.Contains("handed to the courier", refused.Message);
        Assert.Equal(status, order.Status);
    }

    [Fact]
    public void OnFulfilment_MovesOnlyForward_SoDuplicatesChangeNothing_AndOvertakenStepsFillInTheTimelineOnce()
    {
        var order = OrderIn(OrderStatus.Confirmed);

        Assert.True(order.OnFulfilment(OrderStatus.Shipped, T0.AddHours(2), "tracking FK1", trackingNumber: "FK1"));
        Assert.True(order.OnFulfilment(OrderStatus.Packed, T0.AddHours(1)));
        Assert.Equal(OrderStatus.Shipped, order.Status);
        Assert.False(order.OnFulfilment(OrderStatus.Packed, T0.AddHours(1)));
        Assert.False(order.OnFulfilment(OrderStatus.Shipped, T0.AddHours(2)));
        Assert.True(order.OnFulfilment(OrderStatus.Delivered, T0.AddDays(1), returnWindowEndsAt: T0.AddDays(8)));
        Assert.True(order.OnFulfilment(OrderStatus.Refunded, T0.AddDays(3)));
        Assert.False(order.OnFulfilment(OrderStatus.ReturnRejected, T0.AddDays(3)));

        Assert.Equal(OrderStatus.Refunded, order.Status);
        Assert.Equal("FK1", order.TrackingNumber);
        Assert.Equal(T0.AddDays(8), order.ReturnWindowEndsAt);
        Assert.Equal([OrderStatus.Confirmed, OrderStatus.Packed, OrderStatus.Shipped, OrderStatus.Delivered, OrderStatus.Refunded], order.Timeline.Select(t => t.Status).Skip(3));
    }

    [Fact]
    public void OnFulfilment_ChangesNothing_ForACancelledOrder_OrBeforeConfirmation()
    {
        var cancelled = OrderIn(OrderStatus.Cancelled);
        var reserved = OrderIn(OrderStatus.StockReserved);

        Assert.False(cancelled.OnFulfilment(OrderStatus.Packed, T0));
        Assert.False(reserved.OnFulfilment(OrderStatus.Packed, T0));
        Assert.False(reserved.OnFulfilment(OrderStatus.Confirmed, T0));
    }

    [Theory]
    [InlineData(OrderStatus.Submitted, OrderOutcome.Pending)]
    [InlineData(OrderStatus.StockReserved, OrderOutcome.Pending)]
    [InlineData(OrderStatus.Paid, OrderOutcome.Pending)]
    [InlineData(OrderStatus.Cancelled, OrderOutcome.Cancelled)]
    [InlineData(OrderStatus.Confirmed, OrderOutcome.Confirmed)]
    [InlineData(OrderStatus.Packed, OrderOutcome.Confirmed)]
    [InlineData(OrderStatus.Delivered, OrderOutcome.Confirmed)]
    [InlineData(OrderStatus.Refunded, OrderOutcome.Confirmed)]
    [InlineData(OrderStatus.ReturnLapsed, OrderOutcome.Confirmed)]
    public void Outcome_IsTheSagasResult_WhereverTheDeliveryHasGotTo(OrderStatus status, OrderOutcome outcome)
    {
        var order = OrderIn(status);

        Assert.Equal(outcome, order.Outcome);
        Assert.Equal(outcome != OrderOutcome.Pending, order.IsFinal);
        Assert.Equal(outcome == OrderOutcome.Confirmed ? T0.AddMinutes(1) : null, order.ConfirmedAt);
    }

    [Fact]
    public void Outcome_StaysConfirmed_WhenTheCustomerCancelsBeforeHandOver()
    {
        var order = OrderIn(OrderStatus.Packed);

        Assert.True(order.CancelByUser(T0.AddHours(1), fulfilmentAgreed: true));

        Assert.Equal(OrderStatus.Cancelled, order.Status);
        Assert.Equal(OrderOutcome.Confirmed, order.Outcome);
        Assert.Equal(T0.AddMinutes(1), order.ConfirmedAt);
    }

    [Fact]
    public void OnDeliveryDelayed_NotesTheDelayOnce_WithoutChangingTheStatus()
    {
        var order = OrderIn(OrderStatus.Shipped);

        Assert.True(order.OnDeliveryDelayed(T0.AddDays(3), "delivery delayed"));
        Assert.False(order.OnDeliveryDelayed(T0.AddDays(3), "delivery delayed"));

        Assert.Equal(OrderStatus.Shipped, order.Status);
        Assert.Equal("delivery delayed", order.Timeline[^1].Detail);
    }

    [Fact]
    public void Order_RoundTripsThroughJson()
    {
        var order = OrderIn(OrderStatus.Confirmed);
        var options = Flipkart.ServiceDefaults.Extensions.ConfigureJson(new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));

        var copy = System.Text.Json.JsonSerializer.Deserialize<Order>(System.Text.Json.JsonSerializer.Serialize(order, options), options)!;

        Assert.Equal(order.Id, copy.Id);
        Assert.Equal(order.Status, copy.Status);
        Assert.Equal(order.Total, copy.Total);
        Assert.Equal(order.Lines, copy.Lines);
        Assert.Equal(order.Timeline, copy.Timeline);
        Assert.Equal(order.PaymentId, copy.PaymentId);
    }
}
