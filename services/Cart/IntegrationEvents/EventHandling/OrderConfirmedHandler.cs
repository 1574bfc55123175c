using Flipkart.Cart.Infrastructure;
using Flipkart.Cart.IntegrationEvents.Events;
using Flipkart.ServiceDefaults;

namespace Flipkart.Cart.IntegrationEvents.EventHandling;

/// <summary>A confirmed cart checkout empties the bought lines from its owner's cart, once per order.</summary>
public sealed class OrderConfirmedHandler(CartStore store, ILogger<OrderConfirmedHandler> logger) : IIntegrationEventHandler<OrderConfirmed>
{
    public async Task HandleAsync(OrderConfirmed @event, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(@event.UserId))
        {
            logger.LogWarning("OrderConfirmed for order {OrderId} names no user; no cart to update", @event.OrderId);
            return;
        }
        if (!@event.CameFromCart)
        {
            // Bought with buy-now: the same product sitting in the cart is a separate intention and stays there.
            logger.LogInformation("Order {OrderId} was a buy-now order; the cart of {UserId} is left alone", @event.OrderId, @event.UserId);
            return;
        }

        var applied = false;
        await store.UpdateAsync(@event.UserId, (cart, now) =>
            applied = cart.ApplyOrderConfirmed(@event.OrderId, (@event.Lines ?? []).Select(l => l.ProductId), now), cancellationToken);

        logger.LogInformation(applied ? "Removed the lines of order {OrderId} from the cart of {UserId}" : "Order {OrderId} was already applied to the cart of {UserId}",
            @event.OrderId, @event.UserId);
    }
}
