using Dapr.Workflow;
using Flipkart.Fulfilment.Domain;
using Flipkart.Fulfilment.IntegrationEvents.Events;
using Flipkart.Fulfilment.Services;

namespace Flipkart.Fulfilment.Workflows.Activities;

// The delivery workflow's steps. Each moves the shipment record (idempotently) and publishes the step's event when
// the record is in the step's stage, so a retried or replayed activity repeats the same event rather than a new one.

/// <summary>The warehouse packs the order; false when the customer cancelled first (the workflow ends).</summary>
public sealed class PackOrderActivity(ShipmentService shipments) : WorkflowActivity<Guid, bool>
{
    public override async Task<bool> RunAsync(WorkflowActivityContext context, Guid orderId)
    {
        var shipment = await shipments.MoveAsync(orderId, (s, now) => s.Pack(now), context.CancellationToken);
        if (shipment.Stage == ShipmentStage.Cancelled)
        {
            return false;
        }
        await shipments.PublishAsync(orderId, new OrderPacked(FulfilmentEventIds.For(orderId, nameof(OrderPacked)), shipments.Now, orderId, shipment.UserId),
            context.CancellationToken);
        return true;
    }
}

/// <summary>The courier takes the parcel and gives its tracking number; false when the customer cancelled first.</summary>
public sealed class HandToCourierActivity(ShipmentService shipments) : WorkflowActivity<Guid, bool>
{
    public override async Task<bool> RunAsync(WorkflowActivityContext context, Guid orderId)
    {
        var shipment = await shipments.MoveAsync(orderId, (s, now) => s.HandOver(TrackingNumbers.For(orderId), now), context.CancellationToken);
        if (shipment.Stage == ShipmentStage.Cancelled)
        {
            return false;
        }
        await shipments.PublishAsync(orderId, new OrderShipped(FulfilmentEventIds.For(orderId, nameof(OrderShipped)), shipments.Now, orderId, shipment.UserId,
            shipment.TrackingNumber!, shipment.PromisedBy), context.CancellationToken);
        return true;
    }
}

/// <summary>An in-transit scan (shipped, out-for-delivery): shown on the order's timeline.</summary>
public sealed class RecordScanActivity(ShipmentService shipments) : WorkflowActivity<ScanInput, bool>
{
    public override async Task<bool> RunAsync(WorkflowActivityContext context, ScanInput input)
    {
        var shipment = await shipments.GetAsync(input.OrderId, context.CancellationToken)
            ?? throw new InvalidOperationException($"Order {input.OrderId} has no shipment.");
        await shipments.PublishAsync(input.OrderId, new ShipmentScanned(FulfilmentEventIds.For(input.OrderId, nameof(ShipmentScanned), input.Scan),
            input.OccurredAt, input.OrderId, shipment.UserId, input.Scan), context.CancellationToken);
        return true;
    }
}

/// <summary>The delivery promise passed: the customer is told once and the escalation is recorded on the shipment.</summary>
public sealed class ReportDelayActivity(ShipmentService shipments, ILogger<ReportDelayActivity> logger) : WorkflowActivity<Guid, bool>
{
    public override async Task<bool> RunAsync(WorkflowActivityContext context, Guid orderId)
    {
        var shipment = await shipments.MoveAsync(orderId, (s, now) => s.ReportDelay(now), context.CancellationToken);
        logger.LogWarning("Order {OrderId} missed its delivery promise {PromisedBy}; escalated to customer support", orderId, shipment.PromisedBy);
        await shipments.PublishAsync(orderId, new DeliveryDelayed(FulfilmentEventIds.For(orderId, nameof(DeliveryDelayed)), shipments.Now, orderId, shipment.UserId,
            shipment.PromisedBy), context.CancellationToken);
        return true;
    }
}

public sealed class MarkLostActivity(ShipmentService shipments, ILogger<MarkLostActivity> logger) : WorkflowActivity<Guid, bool>
{
    public override async Task<bool> RunAsync(WorkflowActivityContext context, Guid orderId)
    {
        var shipment = await shipments.MoveAsync(orderId, (s, now) => s.MarkLost(now), context.CancellationToken);
        logger.LogError("Order {OrderId} was never delivered; declared lost for customer support", orderId);
        await shipments.PublishAsync(orderId, new DeliveryLost(FulfilmentEventIds.For(orderId, nameof(DeliveryLost)), shipments.Now, orderId, shipment.UserId),
            context.CancellationToken);
        return true;
    }
}

/// <summary>The delivered scan: the return window opens; answers when it closes.</summary>
public sealed class MarkDeliveredActivity(ShipmentService shipments) : WorkflowActivity<DeliveredInput, DateTimeOffset>
{
    public override async Task<DateTimeOffset> RunAsync(WorkflowActivityContext context, DeliveredInput input)
    {
        var shipment = await shipments.MoveAsync(input.OrderId, (s, _) => s.Deliver(input.DeliveredAt, input.ReturnWindow), context.CancellationToken);
        var windowEndsAt = shipment.ReturnWindowEndsAt ?? throw new InvalidOperationException($"Order {input.OrderId} is {shipment.Stage}, not delivered.");
        await shipments.PublishAsync(input.OrderId, new OrderDelivered(FulfilmentEventIds.For(input.OrderId, nameof(OrderDelivered)), shipments.Now, input.OrderId,
            shipment.UserId, shipment.DeliveredAt!.Value, windowEndsAt), context.CancellationToken);
        return windowEndsAt;
    }
}

/// <summary>The window's timer fired: closes it, or answers true when a return request reached the record first.</summary>
public sealed class CloseReturnWindowActivity(ShipmentService shipments) : WorkflowActivity<Guid, bool>
{
    public override async Task<bool> RunAsync(WorkflowActivityContext context, Guid orderId)
    {
        var shipment = await shipments.MoveAsync(orderId, (s, now) => s.CloseReturnWindow(now), context.CancellationToken);
        return shipment.Stage >= ShipmentStage.ReturnRequested && shipment.Stage != ShipmentStage.Cancelled && shipment.Stage != ShipmentStage.Lost;
    }
}
