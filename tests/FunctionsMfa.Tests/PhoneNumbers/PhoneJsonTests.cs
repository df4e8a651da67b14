using FunctionsMfa.Functions.PhoneNumbers;
using FunctionsMfa.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Tests.PhoneNumbers;

public sealed class PhoneJsonTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    [Theory]
    [InlineData(typeof(PhoneNumberResource))]
    [InlineData(typeof(PhoneVerificationResource))]
    [InlineData(typeof(DeletedPhoneNumber))]
    public void Phone_resources_are_written_by_the_source_generated_context_not_by_reflection(Type type)
    {
        // Under Native AOT the reflection resolver cannot build these records' converters; the generated one must answer first.
        var options = app.Service<IOptions<JsonOptions>>().Value.SerializerOptions;
        Assert.Same(PhoneNumberJson.Default, options.GetTypeInfo(type).OriginatingResolver);
    }
}
