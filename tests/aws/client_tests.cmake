# transport + EC2 client tests
