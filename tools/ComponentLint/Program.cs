using Flipkart.ComponentLint;

return LintCommand.Run(args, Console.Out, Console.Error);
