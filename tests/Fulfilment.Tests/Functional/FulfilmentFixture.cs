using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flipkart.Fulfilment.Domain;
using Flipkart.ServiceDefaults;
using Flipkart.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Flipkart.Fulfilment.Tests.Functional;

/// <summary>
/// Fulfilment behind its embedded sidecar on the <c>local</c> profile: its workflows run on the sidecar's workflow engine
/// (history in <c>actor-store</c>), its shipments in <c>fulfilment-store</c>, the courier key in <c>secretstore</c>.
/// Stand-ins for payment and inventory answer the refund and restock calls (and count them), and a stand-in for
/// notification records what fulfilment publishes. The clock is fake: a test moves it to fire a durable timer.
/// </summary>
public sealed class FulfilmentFixture() : ServiceCluster<Program>(AppIds.Fulfilment)
{
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    protected override TimeProvider Clock => Time;

    // Fulfilment's own: the only Configuration that lets its app read a secret (the courier key).
    protected override string AppConfiguration => "fulfilment-config";

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["FulfilmentOptions:InspectionRejectionRate"] = "0",
    };

    public ConcurrentDictionary<Guid, int> Refunds { get; } = new();

    public ConcurrentDictionary<Guid, int> Restocks { get; } = new();

    /// <summary>Every CloudEvent fulfilment published on topic <c>fulfilment</c> (the envelope JSON).</summary>
    public ConcurrentQueue<JsonObject> Published { get; } = new();

    protected override async Task StartStubsAsync()
    {
        await AddStubAsync(AppIds.Payment, await StubApp.StartAsync(app =>
            app.MapPost("/internal/refunds/{orderId:guid}", (Guid orderId) =>
            {
                var calls = Refunds.AddOrUpdate(orderId, 1, (_, n) => n + 1);
                return Results.Ok(new { amount = 2099m, refundId = $"rf-{orderId:N}", paymentId = "pay-1", at = DateTimeOffset.UtcNow, calls });
            })));
        await AddStubAsync(AppIds.Inventory, await StubApp.StartAsync(app =>
            app.MapPost("/internal/returns/{orderId:guid}/restock", (Guid orderId) =>
            {
                Restocks.AddOrUpdate(orderId, 1, (_, n) => n + 1);
                return Results.Ok(new { orderId, unitsRestocked = 3 });
            })));
        await AddStubAsync(AppIds.Notification, await StubApp.RecorderAsync(Topics.Fulfilment, Published.Enqueue));
    }

    public static readonly byte[] CourierKey = Encoding.UTF8.GetBytes(
        JsonNode.Parse(File.ReadAllText(Repository.Path("components", "local", "secrets.json")))!["courier-webhook-key"]!.GetValue<string>());

    /// <summary>Confirms an order as ordering would (an OrderConfirmed delivered to fulfilment's subscription).</summary>
    public async Task ConfirmAsync(Guid orderId, string userId = "user-1")
    {
        using var response = await DeliverAsync(Topics.Orders, "OrderConfirmed", new
        {
            eventId = Guid.NewGuid(), occurredAt = Time.GetUtcNow(), orderId, userId, total = 2099m,
            lines = new[] { new { productId = "p1", quantity = 2 }, new { productId = "p2", quantity = 1 } }, checkout = "cart",
        });
        response.EnsureSuccessStatusCode();
    }

    public async Task<JsonObject?> ShipmentAsync(Guid orderId, string userId = "user-1")
    {
        using var client = CreateClient(userId);
        using var response = await client.GetAsync($"/api/fulfilment/shipments/{orderId}", TestContext.Current.CancellationToken);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken) : null;
    }

    public Task<JsonObject> StageAsync(Guid orderId, string stage) =>
        Eventually.GetAsync(async () => await ShipmentAsync(orderId) is { } s && s["stage"]!.GetValue<string>() == stage ? s : null,
            $"the shipment of {orderId} reaches {stage}");

    /// <summary>A courier scan, signed as the courier signs it (or not, or late: <paramref name="sign"/>).</summary>
    public async Task<HttpResponseMessage> ScanAsync(
        Guid orderId, string type, string? eventId = null, Func<byte[], HttpRequestMessage, byte[]>? sign = null, string? trackingNumber = null)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            eventId = eventId ?? Guid.NewGuid().ToString(), trackingNumber = trackingNumber ?? TrackingNumbers.For(orderId), type, occurredAt = Time.GetUtcNow(),
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/fulfilment/courier-events");
        body = (sign ?? Signed(Time.GetUtcNow()))(body, request);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new("application/json");
        using var client = CreateClient();
        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public static Func<byte[], HttpRequestMessage, byte[]> Signed(DateTimeOffset at, byte[]? key = null) => (body, request) =>
    {
        request.Headers.Add(CourierSignature.TimestampHeader, at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(CourierSignature.SignatureHeader, CourierSignature.Sign(key ?? CourierKey, at.ToUnixTimeSeconds(), body));
        return body;
    };

    /// <summary>What ordering sends on the customer's behalf (the owner checked, the caller's identity stamped).</summary>
    public async Task<HttpResponseMessage> InternalAsync(Guid orderId, string action, object? body = null, string userId = "user-1")
    {
        using var client = CreateClient(userId);
        return await client.PostAsync($"/internal/shipments/{orderId}/{action}", body is null ? null : JsonContent.Create(body), TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// Moves the fake clock a step at a time until <paramref name="done"/>: a durable timer fires once the clock passes
    /// it, whenever the workflow got round to scheduling it, so no step is skipped by racing the workflow.
    /// </summary>
    public Task AdvanceUntilAsync(Func<Task<bool>> done, TimeSpan step, string what) =>
        Eventually.TrueAsync(async () =>
        {
            if (await done())
            {
                return true;
            }
            Time.Advance(step);
            return false;
        }, what);

    public IReadOnlyList<string> PublishedTypes(Guid orderId) =>
        [.. Published.Where(e => e["data"]?["orderId"]?.GetValue<Guid>() == orderId).Select(e => e["type"]!.GetValue<string>())];
}
