using Flipkart.Ordering.Apis;
using Flipkart.Ordering.Extensions;
using Flipkart.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapServiceEndpoints();
app.MapOrdersApi();
app.MapIntegrationEventsApi();

app.Run();

public partial class Program;
