using Flipkart.Payment.Domain;
using Flipkart.Payment.Services;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flipkart.Payment.Apis;

public sealed record RefundView(decimal Amount, string RefundId, string PaymentId, DateTimeOffset At);

/// <summary>
/// <c>POST /internal/refunds/{orderId}</c>: fulfilment's refund of a returned order. Not under <c>api/</c>, so the
/// gateway never routes it; on Kubernetes access control lets only fulfilment call it. Idempotent by order id.
/// </summary>
public static class RefundsApi
{
    public static IEndpointRouteBuilder MapRefundsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("internal/refunds/{orderId:guid}", RefundReturnedOrder).ExcludeFromDescription();
        return app;
    }

    public static async Task<Ok<RefundView>> RefundReturnedOrder(Guid orderId, PaymentProcessor processor, CancellationToken cancellationToken)
    {
        RefundEntry refund = await processor.RefundReturnAsync(orderId, cancellationToken);
        return TypedResults.Ok(new RefundView(refund.Amount, refund.RefundId, refund.PaymentId, refund.At));
    }
}
