using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;
using Serilog.Core;
using Serilog.Events;

namespace Flipkart.ServiceDefaults.Tests.Telemetry;

/// <summary>
/// Without an OTLP endpoint the services record no spans or metrics (nothing would collect them), yet a request's
/// trace context must survive: its log lines carry the caller's trace id, and what it calls next receives it.
/// </summary>
public sealed class TraceContextTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class CapturedLogs : ILogEventSink
    {
        public ConcurrentQueue<LogEvent> Events { get; } = new();

        public void Emit(LogEvent logEvent) => Events.Enqueue(logEvent);
    }

    [Fact]
    public async Task WithoutAnExporter_NoTelemetryIsRecorded_ButLogsAndOutgoingCallsKeepTheCallersTraceId()
    {
        // What the request calls next: a real Kestrel endpoint (so the real SocketsHttpHandler pipeline propagates) that echoes the traceparent it got.
        await using var downstream = WebApplication.CreateBuilder().Build();
        downstream.Urls.Add("http://127.0.0.1:0");
        downstream.MapGet("/echo", (HttpRequest request) => request.Headers["traceparent"].ToString());
        await downstream.StartAsync(Ct);
        var downstreamUrl = downstream.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var logs = new CapturedLogs();
        await using var app = await KitApp.StartAsync(
            app => app.MapGet("/relay", async (IHttpClientFactory clients, ILogger<TraceContextTests> logger) =>
            {
                logger.LogWarning("Relaying");
                var received = await clients.CreateClient().GetStringAsync($"{downstreamUrl}/echo", Ct);
                return new[] { Activity.Current?.TraceId.ToString(), received };
            }),
            services => services.AddSingleton<ILogEventSink>(logs));

        Assert.Null(app.Services.GetService<TracerProvider>());

        var traceId = ActivityTraceId.CreateRandom().ToString();
        using var client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/relay");
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await client.SendAsync(request, Ct);
        response.EnsureSuccessStatusCode();
        var answer = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<string[]>(response.Content, Ct);

        Assert.Equal(traceId, answer![0]);
        Assert.Matches($"^00-{traceId}-[0-9a-f]{{16}}-0[01]$", answer[1]);
        var line = Assert.Single(logs.Events, e => e.MessageTemplate.Text == "Relaying");
        Assert.Equal(traceId, line.TraceId?.ToHexString());
    }

    [Fact]
    public async Task WithAnExporter_TracesAreRecorded()
    {
        await using var app = await KitApp.StartAsync(_ => { }, settings: new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4317" });

        Assert.NotNull(app.Services.GetService<TracerProvider>());
    }
}
