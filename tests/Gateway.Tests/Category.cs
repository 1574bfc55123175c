// Every test here runs the gateway in process (WebApplicationFactory), a few behind the embedded sidecar.
[assembly: Flipkart.Testing.Functional]
