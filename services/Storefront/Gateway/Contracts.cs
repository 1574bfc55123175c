namespace Flipkart.Storefront.Gateway;

// The storefront's own copies of the gateway's JSON shapes: only the members it shows. Unknown members are
// ignored on purpose so a backend adding a field never breaks a page.

public sealed record Product(
    string Id, string Title, string Brand, string CategoryId, string Description,
    decimal Price, decimal Mrp, double Rating, int RatingCount, string ImageUrl)
{
    /// <summary>Whole percent off MRP, rounded down as the catalog does.</summary>
    public int DiscountPercent => Mrp <= 0 || Price >= Mrp ? 0 : (int)Math.Floor((Mrp - Price) * 100m / Mrp);
}

public sealed record FacetValue(string Value, string Label, int Count);

public sealed record SearchFacets(IReadOnlyList<FacetValue> Brands, IReadOnlyList<FacetValue> Categories);

public sealed record SearchResult(IReadOnlyList<Product> Items, int Total, int Page, int PageSize, bool MatchedAllTerms, SearchFacets Facets);

public sealed record CategorySummary(string Id, string Name, int ProductCount);

public sealed record CartLine(string ProductId, string Title, decimal UnitPrice, decimal? Mrp, int Quantity, decimal LineTotal);

public sealed record Cart(IReadOnlyList<CartLine> Lines, int TotalQuantity, decimal Total);

/// <summary>The inventory's public availability answer; <c>FewLeft</c> is the inventory's call (1 to 5 units).</summary>
public enum AvailabilityStatus
{
    InStock,
    FewLeft,
    OutOfStock,
}

/// <summary>What a shopper may know about a product's stock (anonymous <c>GET /api/inventory/{id}/availability</c>).</summary>
public sealed record Availability(string ProductId, AvailabilityStatus Status, int Available, int? PerUserLimit)
{
    /// <summary>No stock record at all (the inventory answered 404): nothing to sell, as with sold out.</summary>
    public static Availability NotStocked(string productId) => new(productId, AvailabilityStatus.OutOfStock, 0, null);

    public bool CanBuy => Status != AvailabilityStatus.OutOfStock && Available > 0;

    /// <summary>Why <paramref name="quantity"/> units cannot be ordered, or null when they can (as far as the shopper can know).</summary>
    public string? RefusalFor(string title, int quantity) =>
        !CanBuy ? $"{title} is out of stock."
        : PerUserLimit is { } limit && quantity > limit ? $"{title}: the limit is {limit} per customer, you asked for {quantity}."
        : quantity > Available ? $"{title}: only {Available} left, you asked for {quantity}."
        : null;
}

/// <summary>Ordering's statuses: the checkout saga's, then the parcel's story as fulfilment reports it, in that order.</summary>
public enum OrderStatus
{
    Submitted,
    StockReserved,
    Paid,
    Confirmed,
    Cancelled,
    Packed,
    Shipped,
    OutForDelivery,
    Delivered,
    ReturnRequested,
    PickedUp,
    Refunded,
    ReturnRejected,
    ReturnLapsed,

    /// <summary>Only on the live status stream (notification): the courier lost the parcel.</summary>
    Lost,
}

/// <summary>How the checkout saga ended, whatever the delivery has done since (ordering's <c>outcome</c>).</summary>
public enum OrderOutcome
{
    Pending,
    Confirmed,
    Cancelled,
}

public sealed record OrderAccepted(Guid OrderId, OrderStatus Status, decimal Total);

public sealed record OrderSummary(Guid OrderId, OrderStatus Status, decimal Total, int ItemCount, DateTimeOffset CreatedAt);

public sealed record OrderPage(IReadOnlyList<OrderSummary> Items, int Page, int PageSize, int TotalCount);

public sealed record OrderLine(string ProductId, string Title, decimal UnitPrice, int Quantity, decimal LineTotal);

public sealed record StatusChange(OrderStatus Status, DateTimeOffset At, string? Detail);

public sealed record Order(
    Guid OrderId, OrderStatus Status, string? CancellationReason, decimal Total, IReadOnlyList<OrderLine> Lines,
    string? DeliveryAddress, DateTimeOffset CreatedAt, IReadOnlyList<StatusChange> Timeline,
    OrderOutcome Outcome = OrderOutcome.Pending, string? TrackingNumber = null, DateTimeOffset? ReturnWindowEndsAt = null);

/// <summary>One event of the order's live status stream (SSE <c>event: status</c>).</summary>
public sealed record StatusEvent(Guid OrderId, OrderStatus Status, string? Reason, DateTimeOffset At, DateTimeOffset? ReturnWindowEndsAt = null);

public sealed record Notification(string Id, Guid OrderId, string Kind, string Title, string Message, IReadOnlyList<string> Channels, DateTimeOffset CreatedAt);

public sealed record NotificationPage(IReadOnlyList<Notification> Items, int Page, int PageSize, int TotalCount);

public sealed record DevToken(string AccessToken, string TokenType, int ExpiresIn, DateTimeOffset ExpiresAt);

/// <summary>What the shopper asked the search page for; every field comes from the query string.</summary>
public sealed record SearchRequest(
    string? Text, IReadOnlyList<string> Brands, string? Category, decimal? MinPrice, decimal? MaxPrice, double? MinRating, string Sort, int Page);
