using Flipkart.Cart.Apis;
using Flipkart.Cart.Extensions;
using Flipkart.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

// Dapr delivers CloudEvents; unwrap them before the subscription endpoints bind their payloads.
app.UseCloudEvents();
app.MapSubscribeHandler();

app.MapDefaultEndpoints();
app.MapOpenApi();
app.MapCartApi();
app.MapIntegrationEventsApi();

app.Run();

public partial class Program;
