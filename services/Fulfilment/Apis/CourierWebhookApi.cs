using System.Text.Json;
using Dapr.Workflow;
using Flipkart.Fulfilment.Domain;
using Flipkart.Fulfilment.Infrastructure;
using Flipkart.Fulfilment.Services;
using Flipkart.Fulfilment.Workflows;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Flipkart.Fulfilment.Apis;

/// <summary>
/// <c>POST /api/fulfilment/courier-events</c>: the courier's scans. Public (the courier has no user account) but
/// authenticated by an HMAC signature over timestamp and body with a key from the secret store; replay-protected by
/// the signed timestamp (stale: 401) and the event id (seen before: 409). Only then is the body read, and a scan that
/// does not fit the parcel's stage is refused (409): in every refusal nothing changes.
/// </summary>
public static class CourierWebhookApi
{
    public const int MaxBodyBytes = 16 * 1024;

    public static IEndpointRouteBuilder MapCourierWebhookApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("api/fulfilment/courier-events", ReceiveCourierEvent).WithName("ReceiveCourierEvent").WithTags("Courier")
            .WithSummary("A courier scan, signed with the shared HMAC key (X-Courier-Timestamp, X-Courier-Signature: v1=<hex>)")
            .AllowAnonymous()
            .Accepts<CourierEvent>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        return app;
    }

    public static async Task<Accepted<CourierEventAccepted>> ReceiveCourierEvent(
        HttpRequest request, CourierKey courierKey, CourierEventLog eventLog, ShipmentService shipments, DaprWorkflowClient workflows,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, IOptionsMonitor<FulfilmentOptions> options, TimeProvider time,
        ILogger<CourierEventAccepted> logger, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(request, cancellationToken);
        var settings = options.CurrentValue;
        var check = CourierSignature.Check(await courierKey.GetAsync(cancellationToken), request.Headers[CourierSignature.SignatureHeader],
            request.Headers[CourierSignature.TimestampHeader], body, time.GetUtcNow(), settings.WebhookTolerance);
        if (check != CourierSignatureCheck.Valid)
        {
            logger.LogWarning("Refused a courier event: signature {Check}", check);
            throw new CourierUnauthorizedException(check);
        }

        var courierEvent = Parse(body, json.Value.SerializerOptions);
        var errors = CourierScans.Validate(courierEvent);
        if (errors.Count > 0)
        {
            throw new RequestValidationException("Invalid courier event", errors);
        }
        var orderId = TrackingNumbers.OrderIdOf(courierEvent.TrackingNumber)!.Value;
        var (instanceId, eventName) = await TargetAsync(shipments, orderId, courierEvent, cancellationToken);

        if (!await eventLog.TryClaimAsync(courierEvent.EventId!, time.GetUtcNow(), settings.WebhookReplayRetention, cancellationToken))
        {
            throw new ConflictException("Replayed courier event", $"Courier event '{courierEvent.EventId}' was already received.",
                "https://flipkart.dapr/problems/replayed-courier-event");
        }
        try
        {
            await workflows.RaiseEventAsync(instanceId, eventName,
                new CourierScan(courierEvent.Type!, courierEvent.OccurredAt!.Value, courierEvent.EventId!), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not acted on: give the id back so the courier's retry is not refused as a replay.
            await eventLog.ReleaseAsync(courierEvent.EventId!, CancellationToken.None);
            throw new DependencyUnavailableException($"Could not raise {eventName} on workflow {instanceId}.", ex);
        }
        logger.LogInformation("Courier {Scan} for order {OrderId} ({EventId})", courierEvent.Type, orderId, courierEvent.EventId);
        return TypedResults.Accepted((string?)null, new CourierEventAccepted(courierEvent.EventId!, orderId, courierEvent.Type!));
    }

    // Which workflow waits for this scan; a scan the parcel cannot be at (delivered twice, a pickup never booked) is a conflict.
    private static async Task<(string InstanceId, string EventName)> TargetAsync(
        ShipmentService shipments, Guid orderId, CourierEvent courierEvent, CancellationToken cancellationToken)
    {
        var shipment = await shipments.GetAsync(orderId, cancellationToken);
        if (shipment?.TrackingNumber is null)
        {
            throw new NotFoundException("Unknown parcel", $"No parcel with tracking number {courierEvent.TrackingNumber} was handed to a courier.");
        }
        var (expected, target) = courierEvent.Type == CourierScans.PickupDone
            ? (ShipmentStage.ReturnRequested, (FulfilmentWorkflowIds.Return(orderId), FulfilmentWorkflowIds.PickupDoneEvent))
            : (ShipmentStage.HandedOver, (FulfilmentWorkflowIds.Delivery(orderId), FulfilmentWorkflowIds.CourierScanEvent));
        return shipment.Stage == expected
            ? target
            : throw new ConflictException("Scan does not fit the parcel", $"Parcel {courierEvent.TrackingNumber} is {shipment.Stage}; a '{courierEvent.Type}' scan does not apply.",
                "https://flipkart.dapr/problems/unexpected-scan");
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            throw new PayloadTooLargeException(MaxBodyBytes);
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw new PayloadTooLargeException(MaxBodyBytes);
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static CourierEvent Parse(byte[] body, JsonSerializerOptions options)
    {
        try
        {
            return JsonSerializer.Deserialize<CourierEvent>(body, options) ?? throw new InvalidRequestException("Invalid courier event", "The body is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidRequestException("Invalid courier event", $"The body is not a courier event: {ex.Message}");
        }
    }
}

public sealed record CourierEventAccepted(string EventId, Guid OrderId, string Type);

/// <summary>A courier request whose signature is missing, wrong or stale (401): nothing was read or changed.</summary>
public sealed class CourierUnauthorizedException(CourierSignatureCheck check) : ProblemException("Courier signature refused", check switch
{
    CourierSignatureCheck.Missing => $"Sign the request: {CourierSignature.TimestampHeader} and {CourierSignature.SignatureHeader} are required.",
    CourierSignatureCheck.Stale => "The signed timestamp is outside the accepted window; sign the request again with the current time.",
    _ => "The signature does not match the request.",
})
{
    public override int StatusCode => StatusCodes.Status401Unauthorized;
}

public sealed class PayloadTooLargeException(int limit) : ProblemException("Payload too large", $"A courier event is at most {limit} bytes.")
{
    public override int StatusCode => StatusCodes.Status413PayloadTooLarge;
}
