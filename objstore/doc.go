// Package objstore copies finished output files to where they are kept: a
// local directory or an S3-compatible object store. Its one job is reliable
// publishing: every Put is retried (bounded, exponential back-off) on
// transient failures, carries a content checksum (Content-MD5 on S3, which
// AWS and MinIO check on receipt; s3rver does not) and is verified after
// the upload (the stored size, the ETag when it is a plain MD5, and the
// SHA-256 recorded in the object's metadata x-amz-meta-sha256 are compared
// with the local file; a mismatch is retried like a transient failure).
// Uploads are single PUTs (no multipart), so objects are limited to 5 GiB.
//
// Store locations are URLs:
//
//	s3://bucket/prefix     S3 or S3-compatible; endpoint and credentials from
//	                       AWS_ENDPOINT_URL (or S3_ENDPOINT), AWS_ACCESS_KEY_ID,
//	                       AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION;
//	                       path-style requests for a custom endpoint
//	file:///abs/dir        a local directory (atomic temp file + rename)
//
// Keys are slash-separated relative paths ("scenes/s1.nc"); they are joined
// to the URL's prefix.
package objstore
