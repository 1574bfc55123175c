using Flipkart.Cart.Apis;
using Flipkart.Cart.Extensions;
using Flipkart.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapServiceEndpoints();
app.MapCartApi();
app.MapIntegrationEventsApi();

app.Run();

public partial class Program;
