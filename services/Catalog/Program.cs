using Flipkart.Catalog.Extensions;
using Flipkart.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseCloudEvents();
app.MapSubscribeHandler();
app.MapDefaultEndpoints();
app.MapCatalogEndpoints();

app.Run();

public partial class Program;
