using Flipkart.ServiceDefaults;
using Flipkart.Storefront.Apis;
using Flipkart.Storefront.Components;
using Flipkart.Storefront.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseStorefrontPipeline();
app.MapDefaultEndpoints();
app.MapStaticAssets();
app.MapStorefrontActions();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.Run();

public partial class Program;
