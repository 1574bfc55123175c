using Dapr.Workflow;
using Flipkart.Fulfilment.Domain;
using Flipkart.Fulfilment.Infrastructure;
using Flipkart.Fulfilment.IntegrationEvents.Events;
using Flipkart.Fulfilment.Services;
using Microsoft.Extensions.Options;

namespace Flipkart.Fulfilment.Workflows.Activities;

/// <summary>Books the courier's pickup and tells the customer by when it will be collected.</summary>
public sealed class SchedulePickupActivity(ShipmentService shipments) : WorkflowActivity<PickupInput, bool>
{
    public override async Task<bool> RunAsync(WorkflowActivityContext context, PickupInput input)
    {
        var shipment = await shipments.MoveAsync(input.OrderId, (s, _) => s.SchedulePickup(input.PickupBy), context.CancellationToken);
        await shipments.PublishAsync(input.OrderId, new ReturnRequested(FulfilmentEventIds.For(input.OrderId, nameof(ReturnRequested)), shipments.Now, input.OrderId,
            shipment.UserId, shipment.ReturnReason ?? "", shipment.PickupBy ?? input.PickupBy), context.CancellationToken);
        return true;
    }
}

public sealed class MarkPickedUpActivity(ShipmentService shipments) : WorkflowActivity<Guid, bool>
{
    public override async Task<bool> RunAsync(WorkflowActivityContext context, Guid orderId)
    {
        var shipment = await shipments.MoveAsync(orderId, (s, now) => s.PickUp(now), context.CancellationToken);
        await shipments.PublishAsync(orderId, new ReturnPickedUp(FulfilmentEventIds.For(orderId, nameof(ReturnPickedUp)), shipments.Now, orderId, shipment.UserId),
            context.CancellationToken);
        return true;
    }
}

public sealed class InspectReturnActivity(IOptionsMonitor<FulfilmentOptions> options) : WorkflowActivity<Guid, Inspection>
{
    public override Task<Inspection> RunAsync(WorkflowActivityContext context, Guid orderId)
    {
        var (accepted, reason) = ReturnInspection.Inspect(orderId, options.CurrentValue.InspectionRejectionRate);
        return Task.FromResult(new Inspection(accepted, reason));
    }
}

/// <summary>Payment refunds the order's charge; idempotent by order id on payment's side.</summary>
public sealed class RefundReturnActivity(PaymentClient payment) : WorkflowActivity<Guid, Refund>
{
    public override Task<Refund> RunAsync(WorkflowActivityContext context, Guid orderId) => payment.RefundAsync(orderId, context.CancellationToken);
}

/// <summary>Inventory puts the returned units back on the shelf; idempotent by order id on inventory's side.</summary>
public sealed class RestockReturnActivity(InventoryClient inventory) : WorkflowActivity<Guid, int>
{
    public override Task<int> RunAsync(WorkflowActivityContext context, Guid orderId) => inventory.RestockAsync(orderId, context.CancellationToken);
}

/// <summary>Ends the return as refunded, rejected or lapsed, and tells the customer.</summary>
public sealed class CloseReturnActivity(ShipmentService shipments) : WorkflowActivity<ReturnClosure, bool>
{
    public override async Task<bool> RunAsync(WorkflowActivityContext context, ReturnClosure input)
    {
        var orderId = input.OrderId;
        var shipment = await shipments.MoveAsync(orderId, (s, now) => input.Outcome switch
        {
            ReturnOutcome.Refunded => s.Refund(now, $"refunded {input.Amount} ({input.RefundId}), {input.UnitsRestocked} units restocked"),
            ReturnOutcome.Rejected => s.RejectReturn(now, input.Detail),
            _ => s.LapseReturn(now),
        }, context.CancellationToken);

        var now = shipments.Now;
        Flipkart.ServiceDefaults.IntegrationEvent outcome = input.Outcome switch
        {
            ReturnOutcome.Refunded => new ReturnRefunded(FulfilmentEventIds.For(orderId, nameof(ReturnRefunded)), now, orderId, shipment.UserId,
                input.Amount, input.RefundId ?? "", input.UnitsRestocked),
            ReturnOutcome.Rejected => new ReturnRejected(FulfilmentEventIds.For(orderId, nameof(ReturnRejected)), now, orderId, shipment.UserId, input.Detail),
            _ => new ReturnLapsed(FulfilmentEventIds.For(orderId, nameof(ReturnLapsed)), now, orderId, shipment.UserId),
        };
        await shipments.PublishAsync(orderId, outcome, context.CancellationToken);
        return true;
    }
}
