// Every credentials provider in one include, for front ends that build the
// default chain. Code in the aws layer and below includes the one header it
// needs instead.
#pragma once

#include "aws/credentials.h"
#include "aws/credentials_cache.h"
#include "aws/credentials_chain.h"
#include "aws/credentials_environment.h"
#include "aws/credentials_imds.h"
#include "aws/credentials_profile.h"
#include "aws/credentials_sts.h"
#include "aws/imds_client.h"
#include "aws/ini.h"
#include "aws/iso8601.h"
