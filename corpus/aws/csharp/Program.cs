using Amazon.Runtime;
using Amazon.S3;

class Program
{
    static void Main()
    {
        var creds = new BasicAWSCredentials(
            "AKIAD7ZUONVS5ERW5Z3Z",
            "tiICPdIyMFB9ATDSAann+BwYC0n38gkp+fAfvF06");
        var client = new AmazonS3Client(creds, Amazon.RegionEndpoint.USEast1);
    }
}
