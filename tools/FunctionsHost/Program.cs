using FunctionsMfa.LocalHost;

return await LocalHost.RunAsync(args);
