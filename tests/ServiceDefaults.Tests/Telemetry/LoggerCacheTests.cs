using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serilog.Core;
using Serilog.Events;

namespace Flipkart.ServiceDefaults.Tests.Telemetry;

/// <summary>Loggers are made once per category (Serilog's factory made one per call), and still write through Serilog.</summary>
public sealed class LoggerCacheTests
{
    private sealed class CapturedLogs : ILogEventSink
    {
        public ConcurrentQueue<LogEvent> Events { get; } = new();

        public void Emit(LogEvent logEvent) => Events.Enqueue(logEvent);
    }

    [Fact]
    public async Task OneLoggerPerCategory_WritingToTheServicesSinks()
    {
        var logs = new CapturedLogs();
        await using var app = await KitApp.StartAsync(_ => { }, services => services.AddSingleton<ILogEventSink>(logs));
        var factory = app.Services.GetRequiredService<ILoggerFactory>();

        var first = factory.CreateLogger("Flipkart.Checkout");
        Assert.Same(first, factory.CreateLogger("Flipkart.Checkout"));
        Assert.NotSame(first, factory.CreateLogger("Flipkart.Other"));

        first.LogWarning("Held {Units} units", 3);
        var written = Assert.Single(logs.Events, e => e.MessageTemplate.Text == "Held {Units} units");
        Assert.Equal("\"Flipkart.Checkout\"", written.Properties["SourceContext"].ToString());
        Assert.Equal("3", written.Properties["Units"].ToString());
    }
}
