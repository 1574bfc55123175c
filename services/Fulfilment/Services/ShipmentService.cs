using Dapr.Workflow;
using Flipkart.Fulfilment.Domain;
using Flipkart.Fulfilment.Infrastructure;
using Flipkart.Fulfilment.IntegrationEvents.Events;
using Flipkart.Fulfilment.Workflows;
using Flipkart.ServiceDefaults;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Flipkart.Fulfilment.Services;

/// <summary>
/// Everything that changes a shipment: the record moves first (compare-and-swap), then its event is published and the
/// workflow is told. Each step may run again (a redelivered event, a retried activity): moving to the stage the record
/// is already in changes nothing and its event is published again with the same id, which consumers deduplicate.
/// </summary>
public sealed class ShipmentService(
    ShipmentRepository shipments,
    IIntegrationEventPublisher events,
    DaprWorkflowClient workflows,
    TimeProvider time,
    IOptionsMonitor<FulfilmentOptions> options,
    ILogger<ShipmentService> logger) : IIntegrationEventHandler<OrderConfirmed>
{
    private readonly ConcurrencyRetry retry = ConcurrencyRetry.Attempts(options.CurrentValue.ConcurrencyRetries);

    public Task<Shipment?> GetAsync(Guid orderId, CancellationToken cancellationToken) => shipments.GetAsync(orderId, cancellationToken);

    /// <summary>OrderConfirmed: one shipment and one delivery workflow per order, however often the event arrives.</summary>
    public async Task HandleAsync(OrderConfirmed @event, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var settings = options.CurrentValue;
        var promisedBy = @event.OccurredAt + settings.DeliveryPromise;
        var shipment = Shipment.Create(@event.OrderId, @event.UserId, @event.Total,
            [.. (@event.Lines ?? []).Select(l => new ShipmentLine(l.ProductId, l.Quantity))], promisedBy, now);
        if (!await shipments.TryCreateAsync(shipment, cancellationToken))
        {
            shipment = await shipments.GetAsync(@event.OrderId, cancellationToken)
                ?? throw new ConcurrencyConflictException($"The shipment of order {@event.OrderId} vanished while it was created.");
            if (shipment.Stage != ShipmentStage.Confirmed)
            {
                logger.LogInformation("Order {OrderId} is already {Stage}; no delivery to start", @event.OrderId, shipment.Stage);
                return;
            }
        }

        var instanceId = FulfilmentWorkflowIds.Delivery(@event.OrderId);
        // A completed instance id could be started again as a new generation, so an existing one is never restarted.
        if (await WorkflowExistsAsync(instanceId, cancellationToken))
        {
            return;
        }
        var input = new DeliveryInput(@event.OrderId, shipment.PromisedBy, shipment.PromisedBy + settings.LostAfter, settings.ReturnWindow, settings.PickupDeadline);
        try
        {
            await workflows.ScheduleNewWorkflowAsync(nameof(DeliveryWorkflow), instanceId, input, startTime: null, cancellationToken);
            logger.LogInformation("Delivery of order {OrderId} started (promised by {PromisedBy})", @event.OrderId, shipment.PromisedBy);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.AlreadyExists)
        {
            logger.LogInformation("Delivery of order {OrderId} was started by a concurrent delivery of its event", @event.OrderId);
        }
    }

    /// <summary>
    /// The customer cancels (ordering asks, having checked the owner): allowed until hand-over, refused after it with
    /// the reason. The record's stage is what the delivery workflow's next step reads, so it stops there.
    /// </summary>
    public async Task<Shipment> CancelAsync(Guid orderId, string userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var shipment = await shipments.UpdateAsync(orderId, current =>
        {
            var next = current ?? Shipment.CancelledBeforeConfirmation(orderId, userId, now);
            return current is null || current.Cancel(now) ? (next, next) : (next, null);
        }, retry, cancellationToken);
        await PublishAsync(orderId, new ShipmentCancelled(FulfilmentEventIds.For(orderId, nameof(ShipmentCancelled)), now, orderId, shipment.UserId), cancellationToken);
        logger.LogInformation("Shipment of order {OrderId} cancelled before hand-over", orderId);
        return shipment;
    }

    /// <summary>The customer asks for a return: accepted once, inside the window; the delivery workflow then runs the return.</summary>
    public async Task<Shipment> RequestReturnAsync(Guid orderId, string reason, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var shipment = await shipments.UpdateAsync(orderId, current =>
        {
            if (current is null)
            {
                throw new ShipmentConflictException(ShipmentConflictException.NotDelivered, "Order not delivered", $"Order {orderId} has not been shipped yet.");
            }
            current.RequestReturn(reason, now);
            return (current, current);
        }, retry, cancellationToken);
        await workflows.RaiseEventAsync(FulfilmentWorkflowIds.Delivery(orderId), FulfilmentWorkflowIds.ReturnRequestedEvent, new ReturnRequest(reason, now), cancellationToken);
        logger.LogInformation("Return of order {OrderId} requested: {Reason}", orderId, reason);
        return shipment;
    }

    /// <summary>
    /// Applies <paramref name="move"/> to the shipment (a no-op when it is already done) and answers the shipment as
    /// stored; the caller publishes when the stage is the one it moved to.
    /// </summary>
    public Task<Shipment> MoveAsync(Guid orderId, Func<Shipment, DateTimeOffset, bool> move, CancellationToken cancellationToken) =>
        shipments.UpdateAsync(orderId, current =>
        {
            if (current is null)
            {
                throw new InvalidOperationException($"Order {orderId} has no shipment.");
            }
            return move(current, time.GetUtcNow()) ? (current, current) : (current, null);
        }, retry, cancellationToken);

    /// <summary>Publishes on the <c>fulfilment</c> topic, keyed by order so an ordered broker keeps one order's steps in order.</summary>
    public Task PublishAsync(Guid orderId, IntegrationEvent @event, CancellationToken cancellationToken) =>
        events.PublishAsync(@event, orderId.ToString(), cancellationToken);

    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>
    /// Whether the order's workflows are alive (<see cref="WorkflowLiveness"/>): its shipment record and both instances
    /// as the engine reports them. Null when the order has no shipment and no confirmation time says one is due.
    /// </summary>
    public async Task<(LivenessVerdict Verdict, Shipment? Shipment, WorkflowRun? Delivery, WorkflowRun? Return)?> CheckLivenessAsync(
        Guid orderId, DateTimeOffset? confirmedAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var shipment = await shipments.GetAsync(orderId, cancellationToken);
        var delivery = await workflows.GetWorkflowStateAsync(FulfilmentWorkflowIds.Delivery(orderId), getInputsAndOutputs: true, cancellationToken);
        if (shipment is null && confirmedAt is null && delivery?.Exists != true)
        {
            return null;
        }
        // The return instance exists only once a return was accepted.
        var @return = shipment?.Stage is >= ShipmentStage.ReturnRequested and <= ShipmentStage.ReturnLapsed
            ? await workflows.GetWorkflowStateAsync(FulfilmentWorkflowIds.Return(orderId), getInputsAndOutputs: false, cancellationToken)
            : null;
        var deliveryRun = Run(FulfilmentWorkflowIds.Delivery(orderId), delivery);
        var returnRun = Run(FulfilmentWorkflowIds.Return(orderId), @return);
        var lostBy = deliveryRun is null ? null : delivery!.ReadInputAs<DeliveryInput>()?.LostBy;
        var verdict = WorkflowLiveness.Classify(shipment, deliveryRun, returnRun, lostBy, confirmedAt, now, options.CurrentValue.LivenessGrace);
        return (verdict, shipment, deliveryRun, returnRun);
    }

    private static WorkflowRun? Run(string instanceId, WorkflowState? state) => state is not { Exists: true }
        ? null
        : new WorkflowRun(instanceId, state.RuntimeStatus switch
        {
            WorkflowRuntimeStatus.Pending => WorkflowRunStatus.Pending,
            WorkflowRuntimeStatus.Running => WorkflowRunStatus.Running,
            WorkflowRuntimeStatus.Completed => WorkflowRunStatus.Completed,
            WorkflowRuntimeStatus.Failed => WorkflowRunStatus.Failed,
            WorkflowRuntimeStatus.Terminated => WorkflowRunStatus.Terminated,
            WorkflowRuntimeStatus.Suspended => WorkflowRunStatus.Suspended,
            _ => WorkflowRunStatus.Other,
        }, state.FailureDetails is { } failure ? $"{failure.ErrorType}: {failure.ErrorMessage}" : null);

    private async Task<bool> WorkflowExistsAsync(string instanceId, CancellationToken cancellationToken) =>
        (await workflows.GetWorkflowStateAsync(instanceId, getInputsAndOutputs: false, cancellationToken))?.Exists == true;
}
