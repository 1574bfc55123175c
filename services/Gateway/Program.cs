using Flipkart.Gateway.Extensions;
using Flipkart.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseGatewayPipeline();
app.MapDefaultEndpoints();
app.MapGatewayEndpoints();

app.Run();

public partial class Program;
