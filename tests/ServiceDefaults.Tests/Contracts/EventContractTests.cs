using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flipkart.Testing;

namespace Flipkart.ServiceDefaults.Tests.Contracts;

/// <summary>
/// Each service keeps its own copies of the events it consumes. This is what keeps the copies honest: every record a
/// producer publishes, filled in and serialised as the producer sends it, is read by every consumer's record of the
/// same name, and every member the consumer names arrives with the producer's value.
/// </summary>
[Unit]
public sealed class EventContractTests
{
    private static readonly Assembly[] Services =
    [
        typeof(Flipkart.Cart.Apis.CartApi).Assembly,
        typeof(Flipkart.Catalog.Apis.CatalogApi).Assembly,
        typeof(Flipkart.Inventory.Apis.InventoryApi).Assembly,
        typeof(Flipkart.Notification.Apis.NotificationsApi).Assembly,
        typeof(Flipkart.Ordering.Apis.OrdersApi).Assembly,
        typeof(Flipkart.Payment.Apis.PaymentsApi).Assembly,
        typeof(Flipkart.Fulfilment.Apis.ShipmentsApi).Assembly,
    ];

    /// <summary>Who publishes what (one topic per publisher); every other record of these names is a consumer's copy.</summary>
    private static readonly Dictionary<string, Type> Producers = new()
    {
        [nameof(Flipkart.Ordering.IntegrationEvents.Events.OrderSubmitted)] = typeof(Flipkart.Ordering.IntegrationEvents.Events.OrderSubmitted),
        [nameof(Flipkart.Ordering.IntegrationEvents.Events.OrderConfirmed)] = typeof(Flipkart.Ordering.IntegrationEvents.Events.OrderConfirmed),
        [nameof(Flipkart.Ordering.IntegrationEvents.Events.OrderCancelled)] = typeof(Flipkart.Ordering.IntegrationEvents.Events.OrderCancelled),
        [nameof(Flipkart.Inventory.IntegrationEvents.Events.StockReserved)] = typeof(Flipkart.Inventory.IntegrationEvents.Events.StockReserved),
        [nameof(Flipkart.Inventory.IntegrationEvents.Events.StockReservationFailed)] = typeof(Flipkart.Inventory.IntegrationEvents.Events.StockReservationFailed),
        [nameof(Flipkart.Inventory.IntegrationEvents.Events.StockReleased)] = typeof(Flipkart.Inventory.IntegrationEvents.Events.StockReleased),
        [nameof(Flipkart.Payment.IntegrationEvents.Events.PaymentSucceeded)] = typeof(Flipkart.Payment.IntegrationEvents.Events.PaymentSucceeded),
        [nameof(Flipkart.Payment.IntegrationEvents.Events.PaymentFailed)] = typeof(Flipkart.Payment.IntegrationEvents.Events.PaymentFailed),
        [nameof(Flipkart.Payment.IntegrationEvents.Events.PaymentRefunded)] = typeof(Flipkart.Payment.IntegrationEvents.Events.PaymentRefunded),
        [nameof(Flipkart.Catalog.IntegrationEvents.Events.ProductChanged)] = typeof(Flipkart.Catalog.IntegrationEvents.Events.ProductChanged),
        [nameof(Flipkart.Fulfilment.IntegrationEvents.Events.OrderPacked)] = typeof(Flipkart.Fulfilment.IntegrationEvents.Events.OrderPacked),
        [nameof(Flipkart.Fulfilment.IntegrationEvents.Events.OrderShipped)] = typeof(Flipkart.Fulfilment.IntegrationEvents.Events.OrderShipped),
        [nameof(Flipkart.Fulfilment.IntegrationEvents.Events.ShipmentScanned)] = typeof(Flipkart.Fulfilment.IntegrationEvents.Events.ShipmentScanned),
        [nameof(Flipkart.Fulfilment.IntegrationEvents.Events.DeliveryDelayed)] = typeof(Flipkart.Fulfilment.IntegrationEvents.Events.DeliveryDelayed),
        [nameof(Flipkart.Fulfilment.IntegrationEvents.Events.DeliveryLost)] = typeof(Flipkart.Fulfilment.IntegrationEvents.Events.DeliveryLost),
        [nameof(Flipkart.Fulfilment.IntegrationEvents.Events.OrderDelivered)] = typeof(Flipkart.Fulfilment.IntegrationEvents.Events.OrderDelivered),
        [nameof(Flipkart.Fulfilment.IntegrationEvents.Events.ShipmentCancelled)] = typeof(Flipkart.Fulfilment.IntegrationEvents.Events.ShipmentCancelled),
        [nameof(Flipkart.Fulfilment.IntegrationEvents.Events.ReturnRequested)] = typeof(Flipkart.Fulfilment.IntegrationEvents.Events.ReturnRequested),
        [nameof(Flipkart.Fulfilment.IntegrationEvents.Events.ReturnPickedUp)] = typeof(Flipkart.Fulfilment.IntegrationEvents.Events.ReturnPickedUp),
        [nameof(Flipkart.Fulfilment.IntegrationEvents.Events.ReturnRefunded)] = typeof(Flipkart.Fulfilment.IntegrationEvents.Events.ReturnRefunded),
        [nameof(Flipkart.Fulfilment.IntegrationEvents.Events.ReturnRejected)] = typeof(Flipkart.Fulfilment.IntegrationEvents.Events.ReturnRejected),
        [nameof(Flipkart.Fulfilment.IntegrationEvents.Events.ReturnLapsed)] = typeof(Flipkart.Fulfilment.IntegrationEvents.Events.ReturnLapsed),
    };

    // As the producers send them: the DaprClient's options (publish and outbox alike).
    private static readonly JsonSerializerOptions ProducerJson =
        Extensions.ConfigureJson(new JsonSerializerOptions(JsonSerializerDefaults.Web), strict: false);

    private static IEnumerable<Type> EventRecords => Services.SelectMany(a => a.GetTypes())
        .Where(t => t.IsSubclassOf(typeof(IntegrationEvent)) && !t.IsAbstract);

    public static TheoryData<string, string> Pairs => [.. EventRecords
        .Where(t => Producers.TryGetValue(t.Name, out var producer) && producer != t)
        .Select(consumer => (Producers[consumer.Name].FullName!, consumer.FullName!))];

    [Fact]
    public void EveryConsumedEvent_HasAProducer()
    {
        var consumed = EventRecords.Where(t => !Producers.ContainsValue(t)).ToList();

        Assert.All(consumed, t => Assert.True(Producers.ContainsKey(t.Name), $"{t.FullName} consumes an event nobody publishes"));
        // Cart 1, inventory 3, notification 6 + 10 of fulfilment's, ordering 4 + 11 of fulfilment's, payment 2, fulfilment 1.
        Assert.Equal(38, Pairs.Count);
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void TheConsumerReadsWhatTheProducerSends(string producerName, string consumerName)
    {
        var producer = EventRecords.Single(t => t.FullName == producerName);
        var consumer = EventRecords.Single(t => t.FullName == consumerName);
        var sent = Sample(producer, seed: 1);
        var wire = JsonSerializer.SerializeToNode(sent, producer, ProducerJson)!.AsObject();

        var read = JsonSerializer.Deserialize(wire.ToJsonString(), consumer, IntegrationEventJson.Options);

        Assert.NotNull(read);
        var readWire = JsonSerializer.SerializeToNode(read, consumer, ProducerJson)!.AsObject();
        foreach (var (member, value) in readWire)
        {
            Assert.True(wire.ContainsKey(member), $"{consumer.FullName} names '{member}', which {producer.FullName} never sends");
            Assert.True(JsonNode.DeepEquals(Shape(wire[member], readWire[member]), value),
                $"{consumer.FullName}.{member} read {value?.ToJsonString()} from {wire[member]?.ToJsonString()}");
        }
    }

    // A consumer's nested records may name fewer members than the producer's: compare only what the consumer kept.
    private static JsonNode? Shape(JsonNode? sent, JsonNode? kept) => (sent, kept) switch
    {
        (JsonObject s, JsonObject k) => new JsonObject(k.Select(p => KeyValuePair.Create(p.Key, Shape(s[p.Key], p.Value)))),
        (JsonArray s, JsonArray k) when s.Count == k.Count => new JsonArray([.. s.Select((item, i) => Shape(item, k[i]))]),
        _ => sent?.DeepClone(),
    };

    /// <summary>An instance with a distinct, non-default value in every constructor parameter.</summary>
    private static object Sample(Type type, int seed)
    {
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        return constructor.Invoke([.. constructor.GetParameters().Select((p, i) => Value(p.ParameterType, seed * 10 + i))]);
    }

    private static object Value(Type type, int seed)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(string)) return $"value-{seed}";
        if (underlying == typeof(Guid)) return new Guid(seed, 0, 0, [1, 2, 3, 4, 5, 6, 7, 8]);
        if (underlying == typeof(int)) return seed + 1;
        if (underlying == typeof(decimal)) return seed + 0.25m;
        if (underlying == typeof(DateTimeOffset)) return new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero).AddMinutes(seed);
        if (underlying.IsEnum) return Enum.GetValues(underlying).GetValue(0)!;
        if (underlying.IsGenericType && typeof(IEnumerable).IsAssignableFrom(underlying))
        {
            var element = underlying.GetGenericArguments()[0];
            var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
            list.Add(Value(element, seed + 1));
            list.Add(Value(element, seed + 2));
            return list;
        }
        return Sample(underlying, seed);
    }
}
