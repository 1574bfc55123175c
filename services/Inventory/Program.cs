using Flipkart.Inventory.Apis;
using Flipkart.Inventory.Extensions;
using Flipkart.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapServiceEndpoints();
app.MapInventoryApi();
app.MapReturnsApi();
app.MapReservationsApi();
app.MapIntegrationEventsApi();

app.Run();

public partial class Program;
