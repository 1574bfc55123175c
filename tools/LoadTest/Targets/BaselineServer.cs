using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flipkart.LoadTest.Targets;

/// <summary>
/// The bare baseline: Kestrel with one minimal-API JSON endpoint shaped like a product detail, hosted by the tool
/// itself on a free loopback port. No gateway, no sidecar, no store — what one hop of ASP.NET Core costs on this
/// machine right now, so every figure can be stated as a ratio to it.
/// </summary>
public sealed class BaselineServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BaselineServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public const string ProductPath = "/api/catalog/products/";

    public static async Task<BaselineServer> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        app.MapGet(ProductPath + "{id}", (string id) => TypedResults.Ok(BaselineProduct.For(id)));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BaselineServer(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>About the size and shape of a catalog product's JSON (~0.7 KB), built per request like a real handler would.</summary>
public sealed record BaselineProduct(
    string Id, string Title, string Brand, string CategoryId, string Description, decimal Price, decimal Mrp,
    double Rating, int RatingCount, string ImageUrl, IReadOnlyDictionary<string, string> Attributes, DateTimeOffset CreatedAt)
{
    public static BaselineProduct For(string id) => new(
        id,
        $"Baseline Neo 5G Smartphone (Midnight Blue, 128 GB) {id}",
        "Baseline",
        "mobiles",
        "A fixed product built per request, so the baseline pays for serialisation like the catalog does. Ships in 2 days. 7-day replacement.",
        14_999m, 19_999m, 4.3, 12_345,
        $"https://images.example.com/catalog/{id}.webp",
        new Dictionary<string, string> { ["RAM"] = "8 GB", ["Storage"] = "128 GB", ["Colour"] = "Midnight Blue", ["Battery"] = "6000 mAh", ["Network"] = "5G" },
        new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
}
