using System.Net;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Flipkart.Storefront.Hosting;

/// <summary>
/// The shopper's own address (after forwarded headers from the ingress), which the storefront passes on to the gateway
/// as <c>X-Forwarded-For</c>: the gateway's per-IP limit then counts each shopper, not the storefront pod. Interactive
/// circuits have no request of their own, so the address of the connection that opened the circuit is kept.
/// </summary>
public sealed class ShopperAddress(IHttpContextAccessor accessor)
{
    private IPAddress? _circuit;

    public IPAddress? Current => accessor.HttpContext?.Connection.RemoteIpAddress ?? _circuit;

    internal void Capture() => _circuit ??= accessor.HttpContext?.Connection.RemoteIpAddress;
}

internal sealed class ShopperAddressCircuitHandler(ShopperAddress address) : CircuitHandler
{
    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        address.Capture();
        return Task.CompletedTask;
    }
}
