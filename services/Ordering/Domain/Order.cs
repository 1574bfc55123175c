using System.Text.Json.Serialization;

namespace Flipkart.Ordering.Domain;

/// <summary>
/// The order aggregate and its state machine: Submitted → StockReserved → Paid → Confirmed, or → Cancelled.
/// Transitions are guarded (an illegal one throws <see cref="OrderingDomainException"/>). The <c>On…</c> methods
/// react to saga events and return false when the event changes nothing, because delivery is at least once and
/// may reorder: a duplicate or late event must be a no-op, not an error.
/// </summary>
public sealed class Order
{
    private static readonly Dictionary<OrderStatus, OrderStatus[]> AllowedTransitions = new()
    {
        // Submitted → Paid happens when PaymentSucceeded overtakes StockReserved (payment only charges reserved orders).
        [OrderStatus.Submitted] = [OrderStatus.StockReserved, OrderStatus.Paid, OrderStatus.Cancelled],
        [OrderStatus.StockReserved] = [OrderStatus.Paid, OrderStatus.Cancelled],
        [OrderStatus.Paid] = [OrderStatus.Confirmed],
        [OrderStatus.Cancelled] = [],
    };

    static Order()
    {
        // After confirmation: forward along the fulfilment stages (skips allowed), and cancel until hand-over.
        foreach (var from in Enum.GetValues<OrderStatus>().Where(s => FulfilmentStages.Rank(s) >= 0))
        {
            AllowedTransitions[from] = [.. Enum.GetValues<OrderStatus>()
                .Where(to => FulfilmentStages.Rank(to) > FulfilmentStages.Rank(from) || (to == OrderStatus.Cancelled && FulfilmentStages.IsBeforeHandOver(from)))];
        }
    }

    [JsonConstructor]
    private Order()
    {
    }

    [JsonInclude] public Guid Id { get; private set; }
    [JsonInclude] public string? DeliveryAddress { get; private set; }
    [JsonInclude] public string UserId { get; private set; } = "";
    [JsonInclude] public IReadOnlyList<OrderLine> Lines { get; private set; } = [];
    [JsonInclude] public decimal Total { get; private set; }
    [JsonInclude] public OrderStatus Status { get; private set; }
    [JsonInclude] public CancellationReason? CancellationReason { get; private set; }
    [JsonInclude] public string? PaymentId { get; private set; }
    [JsonInclude] public DateTimeOffset CreatedAt { get; private set; }
    [JsonInclude] public DateTimeOffset ReservationExpiresAt { get; private set; }
    [JsonInclude] public IReadOnlyList<StatusChange> Timeline { get; private set; } = [];
    [JsonInclude] public string? TrackingNumber { get; private set; }
    [JsonInclude] public DateTimeOffset? ReturnWindowEndsAt { get; private set; }

    /// <summary>How the order was placed (<see cref="CheckoutKind"/>); orders stored before the field existed came from the cart.</summary>
    [JsonInclude] public string Checkout { get; private set; } = CheckoutKind.Cart;

    /// <summary>The checkout saga is over: confirmed (and perhaps on its way since) or cancelled.</summary>
    [JsonIgnore]
    public bool IsFinal => Outcome != OrderOutcome.Pending;

    /// <summary>When the saga confirmed the order; null while it runs and when it was cancelled before confirmation.</summary>
    [JsonIgnore]
    public DateTimeOffset? ConfirmedAt => Timeline.FirstOrDefault(t => t.Status == OrderStatus.Confirmed)?.At;

    /// <summary>The saga's outcome, which the delivery timeline (<see cref="Status"/>) moves on from.</summary>
    [JsonIgnore]
    public OrderOutcome Outcome =>
        ConfirmedAt is not null ? OrderOutcome.Confirmed
        : Status == OrderStatus.Cancelled ? OrderOutcome.Cancelled
        : OrderOutcome.Pending;

    public const int MaxDeliveryAddressLength = 500;

    public static Order Submit(
        Guid id, string userId, IReadOnlyList<OrderLine> lines, DateTimeOffset now, TimeSpan reservationTimeout, string? deliveryAddress = null,
        string checkout = CheckoutKind.Cart)
    {
        if (!CheckoutKind.IsKnown(checkout))
        {
            throw new OrderingDomainException($"Unknown checkout kind '{checkout}'.");
        }
        if (deliveryAddress?.Length > MaxDeliveryAddressLength)
        {
            throw new OrderingDomainException($"The delivery address may have at most {MaxDeliveryAddressLength} characters.");
        }
        if (lines.Count == 0)
        {
            throw new OrderingDomainException("An order needs at least one line.");
        }
        if (lines.Any(l => l.Quantity <= 0 || l.UnitPrice < 0))
        {
            throw new OrderingDomainException("Order lines need a positive quantity and a non-negative price.");
        }
        if (lines.GroupBy(l => l.ProductId, StringComparer.Ordinal).Any(g => g.Count() > 1))
        {
            throw new OrderingDomainException("Each product may appear on one line only.");
        }
        if (reservationTimeout <= TimeSpan.Zero)
        {
            throw new OrderingDomainException("The reservation timeout must be positive.");
        }

        return new Order
        {
            Id = id,
            UserId = userId,
            Lines = [.. lines],
            Total = lines.Sum(l => l.LineTotal),
            Status = OrderStatus.Submitted,
            DeliveryAddress = string.IsNullOrWhiteSpace(deliveryAddress) ? null : deliveryAddress.Trim(),
            CreatedAt = now,
            ReservationExpiresAt = now + reservationTimeout,
            Timeline = [new StatusChange(OrderStatus.Submitted, now)],
            Checkout = checkout,
        };
    }

    /// <summary>Inventory reserved every line.</summary>
    public bool OnStockReserved(DateTimeOffset now)
    {
        if (Status != OrderStatus.Submitted)
        {
            return false; // duplicate, overtaken by payment, or the order is already cancelled (inventory releases on OrderCancelled)
        }
        TransitionTo(OrderStatus.StockReserved, now);
        return true;
    }

    /// <summary>The <c>reason</c> inventory gives when a line would take the buyer past the product's per-user cap.</summary>
    public const string PurchaseLimitExceededReason = "purchase limit exceeded";

    /// <summary>The <c>reason</c> inventory gives for a product it keeps no stock of.</summary>
    public const string UnknownProductReason = "unknown product";

    /// <summary>
    /// Inventory could not reserve every line. Its reason is free text; only the per-user cap has a cancellation
    /// reason of its own, every other refusal (no stock, unknown product) reads as OutOfStock to the buyer.
    /// </summary>
    public bool OnStockReservationFailed(DateTimeOffset now, string? reason = null, string? productId = null)
    {
        if (Status != OrderStatus.Submitted)
        {
            return false;
        }
        Cancel(CancellationReasonFor(reason), now, productId is null ? reason : $"{productId}: {reason}");
        return true;
    }

    public static CancellationReason CancellationReasonFor(string? stockReservationFailure) =>
        string.Equals(stockReservationFailure?.Trim(), PurchaseLimitExceededReason, StringComparison.OrdinalIgnoreCase)
            ? Domain.CancellationReason.PurchaseLimitExceeded
            : Domain.CancellationReason.OutOfStock;

    /// <summary>
    /// The charge went through. Within the reservation window the order is paid and confirmed in one step;
    /// after it, the stock may already be back on sale, so the order is cancelled and payment refunds on OrderCancelled.
    /// </summary>
    public bool OnPaymentSucceeded(string paymentId, DateTimeOffset now)
    {
        if (Status is not (OrderStatus.Submitted or OrderStatus.StockReserved))
        {
            return false;
        }
        if (now >= ReservationExpiresAt)
        {
            Cancel(Domain.CancellationReason.ReservationExpired, now, $"payment {paymentId} arrived after the reservation expired");
            return true;
        }

        PaymentId = paymentId;
        TransitionTo(OrderStatus.Paid, now, paymentId);
        TransitionTo(OrderStatus.Confirmed, now);
        return true;
    }

    public bool OnPaymentFailed(DateTimeOffset now, string? reason = null)
    {
        if (Status is not (OrderStatus.Submitted or OrderStatus.StockReserved))
        {
            return false;
        }
        Cancel(Domain.CancellationReason.PaymentFailed, now, reason);
        return true;
    }

    /// <summary>The reservation timer fired. Early fires (clock skew between replicas) change nothing.</summary>
    public bool OnReservationTimeout(DateTimeOffset now)
    {
        if (Status is not (OrderStatus.Submitted or OrderStatus.StockReserved) || now < ReservationExpiresAt)
        {
            return false;
        }
        Cancel(Domain.CancellationReason.ReservationExpired, now);
        return true;
    }

    /// <summary>
    /// The owner cancels. Allowed until payment completes, and after confirmation until the courier has the parcel
    /// (<paramref name="fulfilmentAgreed"/>: fulfilment, which decides that race, stopped the parcel); cancelling twice
    /// is a no-op. Refused with the reason once the parcel left.
    /// </summary>
    public bool CancelByUser(DateTimeOffset now, bool fulfilmentAgreed = false)
    {
        if (Status == OrderStatus.Cancelled)
        {
            return false;
        }
        if (Status == OrderStatus.Paid || (FulfilmentStages.IsBeforeHandOver(Status) && !fulfilmentAgreed))
        {
            throw new OrderNotCancellableException(Id);
        }
        if (FulfilmentStages.Rank(Status) >= 0 && !FulfilmentStages.IsBeforeHandOver(Status))
        {
            throw new OrderNotCancellableException(Id, $"Order {Id} was handed to the courier (tracking {TrackingNumber}) and can no longer be cancelled; return it once delivered.");
        }
        Cancel(Domain.CancellationReason.CancelledByUser, now);
        return true;
    }

    /// <summary>
    /// Fulfilment reports a step of the parcel. The status only moves forward: a duplicate changes nothing, and so
    /// does any step of a cancelled order. A step overtaken by a later one (Packed heard after Shipped: the broker
    /// does not keep their order) still happened, so it takes its place on the timeline, once, without moving the
    /// status back. A delay is noted on the timeline without changing the status.
    /// </summary>
    public bool OnFulfilment(OrderStatus stage, DateTimeOffset at, string? detail = null, string? trackingNumber = null, DateTimeOffset? returnWindowEndsAt = null)
    {
        if (!FulfilmentStages.IsFulfilment(stage))
        {
            return false;
        }
        if (!CanTransition(Status, stage))
        {
            if (!FillInOvertaken(stage, at, detail))
            {
                return false;
            }
            TrackingNumber ??= trackingNumber;
            ReturnWindowEndsAt ??= returnWindowEndsAt;
            return true;
        }
        TrackingNumber = trackingNumber ?? TrackingNumber;
        ReturnWindowEndsAt = returnWindowEndsAt ?? ReturnWindowEndsAt;
        TransitionTo(stage, at, detail);
        return true;
    }

    private bool FillInOvertaken(OrderStatus stage, DateTimeOffset at, string? detail)
    {
        var rank = FulfilmentStages.Rank(stage);
        if (rank >= FulfilmentStages.Rank(Status) || Timeline.Any(t => t.Status == stage))
        {
            return false;
        }
        // Before the first step it precedes, so the timeline reads in the parcel's order whatever the arrival order.
        var before = Timeline.TakeWhile(t => FulfilmentStages.Rank(t.Status) <= rank).Count();
        Timeline = [.. Timeline.Take(before), new StatusChange(stage, at, detail), .. Timeline.Skip(before)];
        return true;
    }

    /// <summary>The delivery promise passed: one note on the timeline, the status unchanged.</summary>
    public bool OnDeliveryDelayed(DateTimeOffset at, string detail)
    {
        if (Status is not (OrderStatus.Shipped or OrderStatus.OutForDelivery) || Timeline.Any(t => t.Detail == detail))
        {
            return false;
        }
        Timeline = [.. Timeline, new StatusChange(Status, at, detail)];
        return true;
    }

    private void Cancel(CancellationReason reason, DateTimeOffset now, string? detail = null)
    {
        TransitionTo(OrderStatus.Cancelled, now, detail is null ? reason.ToString() : $"{reason}: {detail}");
        CancellationReason = reason;
    }

    public static bool CanTransition(OrderStatus from, OrderStatus to) => AllowedTransitions[from].Contains(to);

    // Internal so the unit tests can drive every pair of the guard table directly.
    internal void TransitionTo(OrderStatus next, DateTimeOffset now, string? detail = null)
    {
        if (!CanTransition(Status, next))
        {
            throw new OrderingDomainException($"Order {Id} cannot move from {Status} to {next}.");
        }
        Status = next;
        Timeline = [.. Timeline, new StatusChange(next, now, detail)];
    }
}
