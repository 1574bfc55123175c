// The storefront in Debian's Chromium.
[assembly: Trait("Category", "Browser")]
