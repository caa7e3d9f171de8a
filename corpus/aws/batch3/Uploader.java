class Uploader {
    private static final String ACCESS_KEY = "AKIAV4HTATI3B7T2HRUR";
    private static final String REGION = "us-east-1";
    private static final String BUCKET = "corpus";
    private static final int RETRIES = 3;
    private static final int TIMEOUT = 30;
    private static final String SECRET_KEY = "OmNc6w3m6ZUpJcR05aXDWLXvQcPolaccB+u4mMhz";
}
