using Flipkart.Payment.Apis;
using Flipkart.Payment.Extensions;
using Flipkart.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapServiceEndpoints();
app.MapPaymentsApi();
app.MapRefundsApi();
app.MapIntegrationEventsApi();

app.Run();

public partial class Program;
