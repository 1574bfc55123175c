using Flipkart.Payment.Domain;
using Flipkart.Payment.Services;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Flipkart.Payment.Apis;

public sealed record PaymentView(
    Guid OrderId,
    string? UserId,
    PaymentStatus Status,
    decimal Amount,
    string? PaymentId,
    string? DeclineReason,
    IReadOnlyList<ChargeEntry> Charges,
    IReadOnlyList<RefundEntry> Refunds,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static PaymentView From(OrderPayment p) =>
        new(p.OrderId, p.UserId, p.Status, p.Amount, p.PaymentId, p.DeclineReason, p.Charges, p.Refunds, p.CreatedAt, p.UpdatedAt);
}

/// <summary>Admin read model of charges and refunds, used to check "one charge per confirmed order, one refund per cancelled charge".</summary>
public static class PaymentsApi
{
    public static IEndpointRouteBuilder MapPaymentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("api/payments").WithTags("Payments").RequireAuthorization(CallerAuthentication.AdminPolicy);
        api.MapGet("/orders/{orderId:guid}", GetOrderPayments).WithName("GetOrderPayments").WithSummary("Charges and refunds of one order (admin)");
        return app;
    }

    public static async Task<Results<Ok<PaymentView>, ProblemHttpResult>> GetOrderPayments(
        Guid orderId, PaymentProcessor processor, CancellationToken cancellationToken)
    {
        var payment = await processor.GetAsync(orderId, cancellationToken);
        return payment is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No payment", detail: $"Order {orderId} has no payment record.")
            : TypedResults.Ok(PaymentView.From(payment));
    }
}
