using Flipkart.Fulfilment.Apis;
using Flipkart.Fulfilment.Extensions;
using Flipkart.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapServiceEndpoints();
app.MapShipmentsApi();
app.MapWorkflowLivenessApi();
app.MapCourierWebhookApi();
app.MapIntegrationEventsApi();

app.Run();

public partial class Program;
