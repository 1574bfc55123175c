using Flipkart.Ordering.Infrastructure;
using Flipkart.Ordering.Services;
using Microsoft.Extensions.Options;

namespace Flipkart.Ordering.Apis;

/// <summary>What the order endpoints need, bundled so handler signatures stay short.</summary>
public sealed class OrderServices(
    OrderService orders,
    UserOrderIndex userOrders,
    OrderRepository repository,
    IdempotentRequests idempotency,
    CartClient cart,
    CatalogClient catalog,
    SoldOutGate soldOutGate,
    IOptionsMonitor<OrderingOptions> options,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
    ILogger<OrderServices> logger)
{
    public OrderService Orders { get; } = orders;
    public UserOrderIndex UserOrders { get; } = userOrders;
    public OrderRepository Repository { get; } = repository;
    public IdempotentRequests Idempotency { get; } = idempotency;
    public CartClient Cart { get; } = cart;
    public CatalogClient Catalog { get; } = catalog;
    public SoldOutGate SoldOutGate { get; } = soldOutGate;
    public OrderingOptions Options => options.CurrentValue;
    public System.Text.Json.JsonSerializerOptions Json { get; } = json.Value.SerializerOptions;
    public ILogger Logger { get; } = logger;
}
