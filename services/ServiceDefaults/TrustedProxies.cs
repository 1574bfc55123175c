using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are believed from these CIDR ranges only (the ingress controller's
/// pod network), and never from anywhere when none are configured: a client cannot choose its own address.
/// </summary>
public static class TrustedProxies
{
    public static IServiceCollection TrustForwardedHeadersFrom(this IServiceCollection services, IReadOnlyCollection<string> networks) =>
        services.Configure<ForwardedHeadersOptions>(forwarded =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            foreach (var network in networks)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
}
