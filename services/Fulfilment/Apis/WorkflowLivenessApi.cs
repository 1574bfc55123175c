using Flipkart.Fulfilment.Domain;
using Flipkart.Fulfilment.Services;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Flipkart.Fulfilment.Apis;

/// <summary>One order's workflows as the liveness check sees them (<see cref="WorkflowLiveness"/>).</summary>
/// <param name="Stuck">The verdict is <see cref="LivenessState.Stuck"/>: the one field a checker needs.</param>
public sealed record WorkflowLivenessView(
    Guid OrderId,
    LivenessState State,
    bool Stuck,
    string Reason,
    string? AwaitedEvent,
    DateTimeOffset? Deadline,
    ShipmentStage? Stage,
    WorkflowRun? Delivery,
    WorkflowRun? Return,
    DateTimeOffset CheckedAt,
    TimeSpan Grace);

/// <summary>
/// Operators' and checkers' view of whether an order's fulfilment workflows are alive ("no workflow stuck"):
/// <c>GET /api/fulfilment/admin/workflows/{orderId}?confirmedAt=…</c>, admins only. The reliability suite and the load
/// tool ask it for every confirmed order after a sale. <c>confirmedAt</c> (ordering's) says a delivery is due: without
/// it, an order fulfilment never heard of is 404; with it, one still unheard of after the grace is stuck.
/// </summary>
public static class WorkflowLivenessApi
{
    public static IEndpointRouteBuilder MapWorkflowLivenessApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("api/fulfilment/admin/workflows").WithTags("Operations").RequireAuthorization(CallerAuthentication.AdminPolicy)
            .MapGet("/{orderId:guid}", GetWorkflowLiveness).WithName("GetWorkflowLiveness")
            .WithSummary("Whether the order's delivery and return workflows completed or wait on a known event before its deadline")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static async Task<Ok<WorkflowLivenessView>> GetWorkflowLiveness(
        Guid orderId, DateTimeOffset? confirmedAt, ShipmentService shipments, IOptionsMonitor<FulfilmentOptions> options, CancellationToken cancellationToken)
    {
        var checkedAt = shipments.Now;
        var (verdict, shipment, delivery, @return) = await shipments.CheckLivenessAsync(orderId, confirmedAt, checkedAt, cancellationToken)
            ?? throw new NotFoundException("Shipment not found", $"Fulfilment knows no order {orderId}; pass confirmedAt if it was confirmed.");
        return TypedResults.Ok(new WorkflowLivenessView(orderId, verdict.State, verdict.State == LivenessState.Stuck, verdict.Reason, verdict.AwaitedEvent,
            verdict.Deadline, shipment?.Stage, delivery, @return, checkedAt, options.CurrentValue.LivenessGrace));
    }
}
