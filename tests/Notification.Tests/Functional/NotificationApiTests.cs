using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Flipkart.Notification.Apis;
using Flipkart.Notification.Domain;
using Microsoft.AspNetCore.Mvc.Testing;
using Flipkart.Testing;

namespace Notification.Tests.Functional;

[Functional]
public class NotificationApiTests(NotificationApiFixture fixture) : IClassFixture<NotificationApiFixture>
{
    private static readonly JsonSerializerOptions Json = Flipkart.ServiceDefaults.Extensions.ConfigureJson(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewUser() => "user-" + Guid.NewGuid().ToString("N")[..8];

    private static object Confirmed(Guid orderId, string userId) =>
        new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId, total = 1499m, lines = new[] { new { productId = "p1", quantity = 1 } } };

    private static object Submitted(Guid orderId, string userId) =>
        new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId, total = 1499m, reservationExpiresAt = DateTimeOffset.UtcNow.AddMinutes(10), lines = new[] { new { productId = "p1", quantity = 1, unitPrice = 1499m, title = "Phone" } } };

    private static async Task<NotificationPage> Notifications(WebApplicationFactory<Program> replica, string userId, string query = "")
    {
        using var client = NotificationApiFixture.Client(replica, userId);
        return (await client.GetFromJsonAsync<NotificationPage>($"/api/notifications{query}", Json, Ct))!;
    }

    [Fact]
    public async Task OrderConfirmedDeliveredTwice_RecordsOneNotification_ForTheOwnerOnly()
    {
        var user = NewUser();
        var orderId = Guid.NewGuid();

        // Delivered twice, to different replicas, as at-least-once delivery may do.
        Assert.Equal(HttpStatusCode.OK, (await NotificationApiFixture.Deliver(fixture.ReplicaA, "orders", "OrderConfirmed", Confirmed(orderId, user), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await NotificationApiFixture.Deliver(fixture.ReplicaB, "orders", "OrderConfirmed", Confirmed(orderId, user), Ct)).StatusCode);

        var mine = await Notifications(fixture.ReplicaA, user);
        var notification = Assert.Single(mine.Items);
        Assert.Equal((orderId, NotificationKind.OrderConfirmed), (notification.OrderId, notification.Kind));
        Assert.Equal(["email", "sms"], notification.Channels);
        Assert.Empty((await Notifications(fixture.ReplicaB, NewUser())).Items);
    }

    [Fact]
    public async Task ConcurrentDuplicates_StillRecordOneNotification()
    {
        var user = NewUser();
        var orderId = Guid.NewGuid();
        var refund = new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, paymentId = "pay-1", amount = 1499m, userId = user };

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            NotificationApiFixture.Deliver(i % 2 == 0 ? fixture.ReplicaA : fixture.ReplicaB, "payments", "PaymentRefunded", refund, Ct)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(NotificationKind.PaymentRefunded, Assert.Single((await Notifications(fixture.ReplicaA, user)).Items).Kind);
    }

    [Fact]
    public async Task Notifications_AreNewestFirstAndPaged()
    {
        var user = NewUser();
        var orders = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToList();
        foreach (var orderId in orders)
        {
            (await NotificationApiFixture.Deliver(fixture.ReplicaA, "orders", "OrderCancelled",
                new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId = user, reason = "PaymentFailed", lines = Array.Empty<object>() }, Ct)).EnsureSuccessStatusCode();
        }

        var first = await Notifications(fixture.ReplicaB, user, "?page=1&pageSize=2");
        var second = await Notifications(fixture.ReplicaB, user, "?page=2&pageSize=2");

        Assert.Equal(3, first.TotalCount);
        Assert.Equal([orders[2], orders[1]], first.Items.Select(n => n.OrderId));
        Assert.Equal([orders[0]], second.Items.Select(n => n.OrderId));
    }

    [Fact]
    public async Task Notifications_Answer401ForAnonymous_And400ForBadPaging()
    {
        using var anonymous = NotificationApiFixture.Client(fixture.ReplicaA, null);
        using var user = NotificationApiFixture.Client(fixture.ReplicaA, NewUser());

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/notifications", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await user.GetAsync("/api/notifications?pageSize=500", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await user.GetAsync("/api/notifications?page=0", Ct)).StatusCode);
    }

    [Fact]
    public async Task StatusStream_SendsCurrentStatusThenChanges_WhenEventsLandOnTheOtherReplica()
    {
        var user = NewUser();
        var orderId = Guid.NewGuid();
        (await NotificationApiFixture.Deliver(fixture.ReplicaB, "orders", "OrderSubmitted", Submitted(orderId, user), Ct)).EnsureSuccessStatusCode();

        using var client = NotificationApiFixture.Client(fixture.ReplicaA, user);
        await using var stream = await SseStream.OpenAsync(client, $"/api/orders/{orderId}/events", Ct);
        Assert.Equal(OrderStatus.Submitted, (await stream.NextStatusAsync(Ct)).Status);

        (await NotificationApiFixture.Deliver(fixture.ReplicaB, "inventory", "StockReserved",
            new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId = user, amount = 1499m, expiresAt = DateTimeOffset.UtcNow.AddMinutes(10) }, Ct)).EnsureSuccessStatusCode();
        Assert.Equal(OrderStatus.StockReserved, (await stream.NextStatusAsync(Ct)).Status);

        (await NotificationApiFixture.Deliver(fixture.ReplicaB, "orders", "OrderConfirmed", Confirmed(orderId, user), Ct)).EnsureSuccessStatusCode();
        Assert.Equal(OrderStatus.Confirmed, (await stream.NextStatusAsync(Ct)).Status);

        // The parcel's way goes on in the same stream (a scan it skips changes nothing), until the order's story ends.
        var now = DateTimeOffset.UtcNow;
        await FulfilmentAsync("OrderShipped", new { orderId, userId = user, trackingNumber = "FK1", promisedBy = now.AddDays(3) });
        Assert.Equal(OrderStatus.Shipped, (await stream.NextStatusAsync(Ct)).Status);
        await FulfilmentAsync("OrderDelivered", new { orderId, userId = user, deliveredAt = now, returnWindowEndsAt = now.AddDays(7) });
        var delivered = await stream.NextStatusAsync(Ct);
        Assert.Equal((OrderStatus.Delivered, now.AddDays(7)), (delivered.Status, delivered.ReturnWindowEndsAt));
        await FulfilmentAsync("ReturnRequested", new { orderId, userId = user, reason = "too small", pickupBy = now.AddDays(3) });
        Assert.Equal(OrderStatus.ReturnRequested, (await stream.NextStatusAsync(Ct)).Status);
        await FulfilmentAsync("ReturnRefunded", new { orderId, userId = user, amount = 1499m });
        Assert.Equal(OrderStatus.Refunded, (await stream.NextStatusAsync(Ct)).Status);
        Assert.Null(await stream.NextStatusOrEndAsync(Ct));   // the stream ends with the order's story

        Task FulfilmentAsync(string type, object data) => DeliverFulfilmentAsync(type, data);
    }

    [Fact]
    public async Task StatusStream_EndsAtDelivery_WhenTheReturnWindowHasClosed()
    {
        var user = NewUser();
        var orderId = Guid.NewGuid();
        (await NotificationApiFixture.Deliver(fixture.ReplicaA, "orders", "OrderConfirmed", Confirmed(orderId, user), Ct)).EnsureSuccessStatusCode();
        var deliveredAt = DateTimeOffset.UtcNow.AddDays(-8);
        await DeliverFulfilmentAsync("OrderDelivered", new { orderId, userId = user, deliveredAt, returnWindowEndsAt = deliveredAt.AddDays(7) });

        using var client = NotificationApiFixture.Client(fixture.ReplicaA, user);
        await using var stream = await SseStream.OpenAsync(client, $"/api/orders/{orderId}/events", Ct);

        Assert.Equal(OrderStatus.Delivered, (await stream.NextStatusAsync(Ct)).Status);
        Assert.Null(await stream.NextStatusOrEndAsync(Ct));
    }

    /// <summary>A fulfilment event (topic <c>fulfilment</c>) delivered to replica B, with a fresh event id.</summary>
    private async Task DeliverFulfilmentAsync(string type, object data)
    {
        var fields = JsonSerializer.SerializeToNode(data)!.AsObject();
        fields["eventId"] = Guid.NewGuid();
        fields["occurredAt"] = DateTimeOffset.UtcNow;
        (await NotificationApiFixture.Deliver(fixture.ReplicaB, "fulfilment", type, fields, Ct)).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task StatusStream_PushesChange_WhenEventLandsOnTheSameReplica()
    {
        var user = NewUser();
        var orderId = Guid.NewGuid();
        (await NotificationApiFixture.Deliver(fixture.ReplicaA, "orders", "OrderSubmitted", Submitted(orderId, user), Ct)).EnsureSuccessStatusCode();

        using var client = NotificationApiFixture.Client(fixture.ReplicaA, user);
        await using var stream = await SseStream.OpenAsync(client, $"/api/orders/{orderId}/events", Ct);
        Assert.Equal("text/event-stream", stream.ContentType);
        Assert.Equal(OrderStatus.Submitted, (await stream.NextStatusAsync(Ct)).Status);

        (await NotificationApiFixture.Deliver(fixture.ReplicaA, "orders", "OrderCancelled",
            new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId = user, reason = "OutOfStock", lines = Array.Empty<object>() }, Ct)).EnsureSuccessStatusCode();
        var cancelled = await stream.NextStatusAsync(Ct);
        Assert.Equal((OrderStatus.Cancelled, "OutOfStock"), (cancelled.Status, cancelled.Reason));
    }

    [Fact]
    public async Task StatusStream_SendsTheFinalStatus_WhenOnlyTheOtherReplicaRecordsIt()
    {
        var user = NewUser();
        var orderId = Guid.NewGuid();
        (await NotificationApiFixture.Deliver(fixture.ReplicaA, "orders", "OrderSubmitted", Submitted(orderId, user), Ct)).EnsureSuccessStatusCode();
        using var client = NotificationApiFixture.Client(fixture.ReplicaA, user);
        await using var stream = await SseStream.OpenAsync(client, $"/api/orders/{orderId}/events", Ct);
        Assert.Equal(OrderStatus.Submitted, (await stream.NextStatusAsync(Ct)).Status);

        // This replica hands its own change over in memory; the cancellation lands on the other replica only, so
        // the stream learns of it from its safety re-read of the store, and the story ends there.
        (await NotificationApiFixture.Deliver(fixture.ReplicaA, "inventory", "StockReserved",
            new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId = user, amount = 1499m, expiresAt = DateTimeOffset.UtcNow.AddMinutes(10) }, Ct)).EnsureSuccessStatusCode();
        Assert.Equal(OrderStatus.StockReserved, (await stream.NextStatusAsync(Ct)).Status);
        (await NotificationApiFixture.Deliver(fixture.ReplicaB, "orders", "OrderCancelled",
            new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, userId = user, reason = "PaymentFailed", lines = Array.Empty<object>() }, Ct)).EnsureSuccessStatusCode();

        var cancelled = await stream.NextStatusAsync(Ct);
        Assert.Equal((OrderStatus.Cancelled, "PaymentFailed"), (cancelled.Status, cancelled.Reason));
        Assert.Null(await stream.NextStatusOrEndAsync(Ct));
    }

    [Fact]
    public async Task StatusStream_Refuses429_WhenTheUserAlreadyHoldsTenStreams()
    {
        var user = NewUser();
        var orderId = Guid.NewGuid();
        (await NotificationApiFixture.Deliver(fixture.ReplicaA, "orders", "OrderSubmitted", Submitted(orderId, user), Ct)).EnsureSuccessStatusCode();
        using var client = NotificationApiFixture.Client(fixture.ReplicaA, user);
        var streams = new List<SseStream>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                streams.Add(await SseStream.OpenAsync(client, $"/api/orders/{orderId}/events", Ct));
                Assert.Equal(OrderStatus.Submitted, (await streams[^1].NextStatusAsync(Ct)).Status);
            }

            using var eleventh = await client.GetAsync($"/api/orders/{orderId}/events", HttpCompletionOption.ResponseHeadersRead, Ct);

            Assert.Equal(HttpStatusCode.TooManyRequests, eleventh.StatusCode);
            Assert.Equal("application/problem+json", eleventh.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(eleventh.Headers.RetryAfter);
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task StatusStream_Returns404_ForAnotherUsersOrder()
    {
        var orderId = Guid.NewGuid();
        (await NotificationApiFixture.Deliver(fixture.ReplicaA, "orders", "OrderSubmitted", Submitted(orderId, NewUser()), Ct)).EnsureSuccessStatusCode();

        using var intruder = NotificationApiFixture.Client(fixture.ReplicaA, NewUser());
        var response = await intruder.GetAsync($"/api/orders/{orderId}/events", HttpCompletionOption.ResponseHeadersRead, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task StatusStream_AsksOrdering_WhenNoEventArrivedYet()
    {
        var owner = NewUser();
        var orderId = Guid.NewGuid();
        fixture.OrderingKnows[orderId] = (owner, "Submitted");

        using var stranger = NotificationApiFixture.Client(fixture.ReplicaB, NewUser());
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/orders/{orderId}/events", HttpCompletionOption.ResponseHeadersRead, Ct)).StatusCode);
        using var unknown = NotificationApiFixture.Client(fixture.ReplicaB, owner);
        Assert.Equal(HttpStatusCode.NotFound, (await unknown.GetAsync($"/api/orders/{Guid.NewGuid()}/events", HttpCompletionOption.ResponseHeadersRead, Ct)).StatusCode);

        using var client = NotificationApiFixture.Client(fixture.ReplicaB, owner);
        await using var stream = await SseStream.OpenAsync(client, $"/api/orders/{orderId}/events", Ct);
        Assert.Equal(OrderStatus.Submitted, (await stream.NextStatusAsync(Ct)).Status);

        (await NotificationApiFixture.Deliver(fixture.ReplicaA, "payments", "PaymentSucceeded",
            new { eventId = Guid.NewGuid(), occurredAt = DateTimeOffset.UtcNow, orderId, paymentId = "pay-1", amount = 1m }, Ct)).EnsureSuccessStatusCode();
        Assert.Equal(OrderStatus.Paid, (await stream.NextStatusAsync(Ct)).Status);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesNotificationsAndStatusStream()
    {
        using var client = fixture.ReplicaA.CreateClient();
        var document = await client.GetStringAsync("/openapi/v1.json", Ct);
        Assert.Contains("/api/notifications", document);
        Assert.Contains("/api/orders/{orderId}/events", document);
    }

    [Fact]
    public async Task Subscriptions_RouteEachTopicByCloudEventType()
    {
        using var client = fixture.ReplicaA.CreateClient();
        using var subscriptions = JsonDocument.Parse(await client.GetStringAsync("/dapr/subscribe", Ct));

        var matches = subscriptions.RootElement.EnumerateArray()
            .SelectMany(s => s.GetProperty("routes").GetProperty("rules").EnumerateArray()
                .Select(r => $"{s.GetProperty("topic").GetString()}:{r.GetProperty("match").GetString()}"))
            .ToList();
        Assert.Contains("orders:event.type == \"OrderConfirmed\"", matches);
        Assert.Contains("payments:event.type == \"PaymentRefunded\"", matches);
        Assert.Contains("inventory:event.type == \"StockReserved\"", matches);
    }
}
