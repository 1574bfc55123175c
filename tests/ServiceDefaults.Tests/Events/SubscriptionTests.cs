using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flipkart.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.ServiceDefaults.Tests.Events;

/// <summary>MapSubscription: what Dapr is told, and what it is answered for good, poison and failing deliveries.</summary>
[Functional]
public sealed class SubscriptionTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly Handler handler = new();
    private KitApp app = null!;

    public sealed record ParcelShipped(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId, int Parcels) : IntegrationEvent(EventId, OccurredAt);

    public sealed record ParcelLost(Guid EventId, DateTimeOffset OccurredAt, Guid OrderId) : IntegrationEvent(EventId, OccurredAt);

    /// <summary>Records what it handled; a parcel count of 0 can never be processed, -1 is an outage, 7 is slow.</summary>
    public sealed class Handler : IIntegrationEventHandler<ParcelShipped>, IIntegrationEventHandler<ParcelLost>
    {
        private int _inside;

        public List<IntegrationEvent> Handled { get; } = [];

        /// <summary>The most deliveries this handler ever had in progress at once.</summary>
        public int MostAtOnce { get; private set; }

        public async Task HandleAsync(ParcelShipped @event, CancellationToken cancellationToken)
        {
            switch (@event.Parcels)
            {
                case 0: throw new UnprocessableEventException("a shipment of no parcels");
                case -1: throw new DependencyUnavailableException("the store is down");
                case 7:
                    var inside = Interlocked.Increment(ref _inside);
                    lock (Handled)
                    {
                        MostAtOnce = Math.Max(MostAtOnce, inside);
                    }
                    await Task.Delay(300, cancellationToken);
                    Interlocked.Decrement(ref _inside);
                    break;
            }
            await Record(@event);
        }

        public Task HandleAsync(ParcelLost @event, CancellationToken cancellationToken) => Record(@event);

        private Task Record(IntegrationEvent @event)
        {
            lock (Handled)
            {
                Handled.Add(@event);
            }
            return Task.CompletedTask;
        }
    }

    public async ValueTask InitializeAsync() => app = await KitApp.StartAsync(web =>
    {
        web.MapSubscription<ParcelShipped, Handler>("parcels");
        web.MapSubscription<ParcelLost, Handler>("parcels");
        web.MapOtherEventsOf("parcels");
    }, services => services.AddSingleton(handler));

    public ValueTask DisposeAsync() => app.DisposeAsync();

    private async Task<HttpResponseMessage> DeliverAsync(string route, string data)
    {
        using var client = app.CreateClient();
        var envelope = $$"""{"id":"{{Guid.NewGuid()}}","source":"test","type":"ParcelShipped","specversion":"1.0","datacontenttype":"application/json","data":{{data}}}""";
        return await client.PostAsync(route, new StringContent(envelope, Encoding.UTF8, "application/cloudevents+json"), Ct);
    }

    private static string Shipped(int parcels, Guid? orderId = null, Guid? eventId = null) =>
        $$"""{"eventId":"{{eventId ?? Guid.NewGuid()}}","occurredAt":"2026-12-01T10:00:00Z","orderId":"{{orderId ?? Guid.NewGuid()}}","parcels":{{parcels}}}""";

    private static async Task<string?> StatusOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))?["status"]?.GetValue<string>();

    [Fact]
    public async Task SubscribeHandler_RoutesEachTypeOnItsTopic_InMappingOrder_WithTheDefaultRoute()
    {
        using var client = app.CreateClient();
        var subscription = Assert.Single((await client.GetFromJsonAsync<JsonArray>("/dapr/subscribe", Ct))!)!;

        Assert.Equal("parcels", (string)subscription["topic"]!);
        Assert.Equal(DaprComponents.PubSub, (string)subscription["pubsubName"]!);
        Assert.Equal(
            [("event.type == \"ParcelShipped\"", "integration-events/parcel-shipped"), ("event.type == \"ParcelLost\"", "integration-events/parcel-lost")],
            subscription["routes"]!["rules"]!.AsArray().Select(r => ((string)r!["match"]!, (string)r["path"]!)));
        Assert.Equal("integration-events/parcels-other", (string)subscription["routes"]!["default"]!);
    }

    [Fact]
    public async Task AReadableEvent_IsHandledOnce_AndAcknowledged()
    {
        var orderId = Guid.NewGuid();

        using var response = await DeliverAsync("/integration-events/parcel-shipped", Shipped(2, orderId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("SUCCESS", await StatusOf(response));
        Assert.Single(handler.Handled, e => e is ParcelShipped { Parcels: 2 } s && s.OrderId == orderId);
    }

    [Fact]
    public async Task CopiesOfOneEventArrivingTogether_AreHandledOneAfterAnother_EachAcknowledged()
    {
        var copy = Shipped(7, Guid.NewGuid(), Guid.NewGuid());

        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => DeliverAsync("/integration-events/parcel-shipped", copy)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(3, handler.Handled.Count);
        Assert.Equal(1, handler.MostAtOnce);
        Assert.Equal(0, app.Services.GetRequiredService<InFlightDeliveries>().Count);
    }

    [Theory]
    [InlineData("\"a string where an object belongs\"")]
    [InlineData("[1, 2]")]
    [InlineData("""{"eventId":"7a1f2f47-0000-0000-0000-000000000000","occurredAt":"2026-12-01T10:00:00Z","parcels":1}""")]
    [InlineData("""{"eventId":"7a1f2f47-0000-0000-0000-000000000000","occurredAt":"2026-12-01T10:00:00Z","orderId":"x","parcels":1}""")]
    [InlineData("null")]
    public async Task AnEventThatCanNeverBeRead_IsDropped_NotRetried(string data)
    {
        using var response = await DeliverAsync("/integration-events/parcel-shipped", data);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("DROP", await StatusOf(response));
    }

    [Fact]
    public async Task AnEventTheHandlerCallsUnprocessable_IsDropped()
    {
        using var response = await DeliverAsync("/integration-events/parcel-shipped", Shipped(0));

        Assert.Equal("DROP", await StatusOf(response));
    }

    [Fact]
    public async Task AnOutageWhileHandling_AnswersAnErrorStatus_SoDaprDeliversAgain()
    {
        using var response = await DeliverAsync("/integration-events/parcel-shipped", Shipped(-1));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.DoesNotContain("DROP", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task OtherTypesOnTheTopic_AreAcknowledged()
    {
        using var response = await DeliverAsync("/integration-events/parcels-other", "{}");

        Assert.Equal("SUCCESS", await StatusOf(response));
    }
}
