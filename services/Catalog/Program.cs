using Flipkart.Catalog.Apis;
using Flipkart.Catalog.Extensions;
using Flipkart.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapServiceEndpoints();
app.MapCatalogApi();
app.MapIntegrationEventsApi();

app.Run();

public partial class Program;
