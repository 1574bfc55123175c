using Flipkart.Payment.Apis;
using Flipkart.Payment.Extensions;
using Flipkart.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

// Dapr delivers CloudEvents; unwrap them before the subscription endpoints read their payloads.
app.UseCloudEvents();
app.MapSubscribeHandler();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapPaymentsApi();
app.MapIntegrationEventsApi();

app.Run();

public partial class Program;
