using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Flipkart.Storefront.Tests.Infrastructure;

/// <summary>One shopper's browser: signs in through the storefront's Development sign-in page and screenshots each step.</summary>
public sealed partial class Shopper(IPage page, string scenario, string userId) : IAsyncDisposable
{
    private int _step;

    public IPage Page => page;

    public string UserId => userId;

    public static async Task<Shopper> SignInAsync(StorefrontFixture fixture, string scenario, string userId, int viewportWidth = StorefrontFixture.PhoneWidth)
    {
        var context = await fixture.NewBrowserAsync(viewportWidth);
        var page = context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
        var shopper = new Shopper(page, scenario, userId);
        await page.GotoAsync("/signin");
        await page.GetByLabel("Or any other user id").FillAsync(userId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("signed-in-user")).ToContainTextAsync(userId);
        await shopper.ScreenshotAsync("signed-in");
        return shopper;
    }

    public async Task ScreenshotAsync(string step)
    {
        var path = Path.Combine(StorefrontFixture.ScreenshotFolder, $"{scenario}-{++_step:00}-{step}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        TestContext.Current.TestOutputHelper?.WriteLine($"screenshot: {path}");
    }

    /// <summary>The order id in the current URL (<c>/orders/{id}</c>).</summary>
    public Guid OrderIdFromUrl() => Guid.Parse(OrderUrl().Match(page.Url).Groups[1].Value);

    [GeneratedRegex("/orders/([0-9a-fA-F-]{36})")]
    public static partial Regex OrderUrl();

    public async ValueTask DisposeAsync() => await page.Context.CloseAsync();
}
