using Flipkart.Notification.Apis;
using Flipkart.Notification.Extensions;
using Flipkart.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapServiceEndpoints();
app.MapNotificationsApi();
app.MapOrderEventsApi();
app.MapIntegrationEventsApi();

app.Run();

public partial class Program;
